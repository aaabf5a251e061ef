import time, psycopg
from layers import View, feature_sets
from layers import features
from sql import query_text
from app.ogc import tile_bbox
url="user=postgres passfile=/work/wt27/.data/secrets/pgpass dbname=portmap_bench_ogc host=127.0.0.1 port=55452"
def best(f, n=10):
    ts=[]
    for _ in range(n):
        t=time.perf_counter(); f(); ts.append((time.perf_counter()-t)*1000)
    return f"min {min(ts):.0f} med {sorted(ts)[n//2]:.0f}"
with psycopg.connect(url, autocommit=True) as conn:
    conn.execute("SET timezone=UTC")
    _, fs = feature_sets()["vessels"]
    v = View(port_id="weifang", bbox=(118.7,36.95,119.75,37.65), zoom=17)
    p = {**v.params(), **fs.params(v)}
    print("vessels inner", best(lambda: conn.execute(query_text(fs.sql), p).fetchall()))
    print("vessels page", best(lambda: features.page(conn, fs, v, hidden=[], limit=10000)))
    _, fs = feature_sets()["yard_use"]
    tv = View(port_id="weifang", bbox=tile_bbox(16,54466,25461), zoom=16)
    p = {**tv.params(), **fs.params(tv)}
    print("stacks inner", best(lambda: conn.execute(query_text(fs.sql), p).fetchall()))
    print("stacks tile", best(lambda: features.tile(conn, fs, tv, (16,54466,25461), hidden=[])))
