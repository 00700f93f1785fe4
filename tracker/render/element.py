"""The folium element that carries the event payload and starts tracker's map UI.

``EventMapElement`` is a branca ``MacroElement``: its ``html`` macro adds the static page
chrome (header, filters, card, list and timeline panels; no data in it), and its
``script`` macro hands the map, the layer control and the encoded payload to
``TrackerMap.start`` (defined in ``assets/*.js``). The payload is base64, so it is inert
inside the page. Imports: folium, branca; stdlib.
"""

from __future__ import annotations

import re
from typing import Any

import folium
from branca.element import MacroElement
from folium.template import Template

from tracker.render.page import own_asset


class EventMapElement(MacroElement):
    """Attach tracker's event layer, panels and controls to a folium ``Map``.

    Parameters
    ----------
    payload_b64
        The encoded payload (``tracker.render.data.encode_payload``).
    text_b64
        The encoded long text columns (evidence, source URLs), decoded by the page only
        when a card opens or a download starts.
    layer_control
        folium's layer control, which receives the event overlays.
    options
        JSON-ready options for the page script (title, tile mode, slug...).
    """

    _template = Template(
        """
{% macro html(this, kwargs) %}{{ this.chrome }}{% endmacro %}
{% macro script(this, kwargs) %}
TrackerMap.start({{ this._parent.get_name() }}, {{ this.layer_control.get_name() }},
  "{{ this.payload_b64 }}", "{{ this.text_b64 }}", {{ this.options|tojson }});
{% endmacro %}
"""
    )

    def __init__(
        self,
        payload_b64: str,
        text_b64: str,
        layer_control: folium.LayerControl,
        options: dict[str, Any],
    ) -> None:
        super().__init__()
        self._name = "EventMap"
        for b64 in (payload_b64, text_b64):
            if not re.fullmatch(r"[A-Za-z0-9+/=]*", b64):
                msg = "payload must be base64 text"
                raise ValueError(msg)
        self.payload_b64 = payload_b64
        self.text_b64 = text_b64
        self.layer_control = layer_control
        self.options = options
        self.chrome = own_asset("chrome.html")
