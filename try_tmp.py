import psycopg, time, json
from layers import LAYERS, View
from layers import features
url="user=postgres passfile=/work/wt27/.data/secrets/pgpass dbname=portmap_wt27_explore host=127.0.0.1 port=55452"
with psycopg.connect(url, autocommit=True) as conn:
    v = View(port_id="weifang", bbox=(118.70, 36.95, 119.75, 37.65), zoom=17)
    for name, layer in LAYERS.items():
        for fs in layer.feature_sets():
            t=time.perf_counter()
            try:
                p = features.page(conn, fs, v, hidden=["customs_status"], limit=100000)
                feats=json.loads(p.features)
                tl = features.tile(conn, fs, View(port_id="weifang", bbox=(119.19,37.19,119.21,37.21), zoom=16), (16, 54464, 25231), hidden=[])
                print(fs.name, p.matched, p.returned, fs.timed, f"{(time.perf_counter()-t)*1000:.0f}ms", feats[0]["properties"] if feats else None, len(tl))
            except Exception as e:
                print(fs.name, "ERR", e)
