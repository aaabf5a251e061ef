import time, psycopg
from layers import View, feature_sets
from layers import features
from sql import query_text
url="user=postgres passfile=/work/wt27/.data/secrets/pgpass dbname=portmap_bench_ogc host=127.0.0.1 port=55452"
with psycopg.connect(url, autocommit=True) as conn:
    conn.execute("SET timezone=UTC")
    layer, fs = feature_sets()["vessels"]
    v = View(port_id="weifang", bbox=(118.7,36.95,119.75,37.65), zoom=17)
    p = {**v.params(), **fs.params(v)}
    for _ in range(3):
        t=time.perf_counter(); rows=conn.execute(query_text(fs.sql), p).fetchall(); a=time.perf_counter()-t
        t=time.perf_counter(); pg=features.page(conn, fs, v, hidden=[], limit=10000); b=time.perf_counter()-t
        print(f"inner {a*1000:.0f} ms ({len(rows)}), page {b*1000:.0f} ms")
    layer, fs = feature_sets()["yard_use"]
    from app.ogc import tile_bbox
    tv = View(port_id="weifang", bbox=tile_bbox(16,54466,25461), zoom=16)
    p = {**tv.params(), **fs.params(tv)}
    for _ in range(3):
        t=time.perf_counter(); rows=conn.execute(query_text(fs.sql), p).fetchall(); a=time.perf_counter()-t
        t=time.perf_counter(); tl=features.tile(conn, fs, tv, (16,54466,25461), hidden=[]); b=time.perf_counter()-t
        print(f"stacks inner {a*1000:.0f} ms ({len(rows)}), tile {b*1000:.0f} ms")
