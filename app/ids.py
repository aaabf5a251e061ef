"""Component ids of the Dash app, in one place."""

MAP = "map"
LANG = "lang"
LAYER_TOGGLE = "layer-toggle"      # pattern-matching: {"type": LAYER_TOGGLE, "layer": name}
LAYER_LABEL = "layer-label"        # pattern-matching: {"type": LAYER_LABEL, "layer": name}
TRACE_LAYERS = "trace-layers"      # store: the layer name of each trace, in figure order
STATUS = "status"
TITLE = "title"
SUBTITLE = "subtitle"
LAYERS_HEADING = "layers-heading"
TICK = "tick"                      # dcc.Interval of the live map (1 s)
PANEL_TICK = "panel-tick"          # dcc.Interval of the KPI strip and banner (5 s)
URL = "url"                        # dcc.Location: ?view=lon,lat,zoom
KPIS = "kpis"                      # the KPI strip over the map
SEARCH = "search"                  # the search box
SEARCH_HITS = "search-hits"        # what it found
CARD = "card"                      # the detail card of what was clicked
BANNER = "banner"                  # stale-data banner
SELECTED = "selected"              # store: the MMSI whose card is open
LIVE = "live"                      # store: the live tick's generation for this browser (see app/live.py)
VIEW = "view"                      # store: the map's bounds and zoom, reported by the page each tick
LIVE_SEEN = "live-seen"            # store: browser time of the last answer from the server
SERVER_BANNER = "server-banner"    # "no answer from the server since …"
LAYER_AGE = "layer-age"            # pattern-matching: {"type": LAYER_AGE, "layer": name}
USER = "user"                      # who is signed in
USER_NAME = "user-name"
LOGOUT = "logout"
ALERTS_HEADING = "alerts-heading"
ALERT_LIST = "alert-list"          # the list; rows are {"type": ALERT_ROW, "alert": id}
ALERT_ROW = "alert-row"
ALERT_ACT = "alert-act"            # pattern-matching: {"type": ALERT_ACT, "action": acknowledge|suppress|resolve}
ALERT_NOTE = "alert-note"
ALERT_MSG = "alert-msg"
ALERT_TRAIL = "alert-trail"
ALERT_SELECTED = "alert-selected"  # store: the selected alert's id
ALERT_SIG = "alert-sig"            # store: what the list shows, to skip re-rendering an unchanged list
STYLE_TOGGLED = "style-toggled"    # store: when the style layers last followed their toggles
