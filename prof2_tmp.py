import time, psycopg, sys
from psycopg import sql
from layers import View, feature_sets
from layers import features
from sql import query_text
url="user=postgres passfile=/work/wt27/.data/secrets/pgpass dbname=portmap_bench_ogc host=127.0.0.1 port=55452"
name = sys.argv[1]
with psycopg.connect(url, autocommit=True) as conn:
    layer, fs = feature_sets()[name]
    from app.ogc import tile_bbox
    v = View(port_id="weifang", bbox=(118.7,36.95,119.75,37.65) if name=="vessels" else tile_bbox(16,54466,25461), zoom=17)
    p = {**v.params(), **fs.params(v), "hidden": [], "geometry": fs.geometry, "srid": 4326, "flip": False, "digits": 7, "limit": 10000, "offset": 0, "fid": None, "z":16,"x":54466,"y":25461,"layer":"x"}
    tmpl = "features_page" if name=="vessels" else "features_mvt"
    shown = features._shown(conn, fs, v, [])
    properties = sql.SQL(", ").join(sql.Identifier("s", c) for c in shown)
    order = sql.SQL(", ").join(sql.Identifier("s", c) for c in fs.key)
    text = sql.SQL("EXPLAIN (ANALYZE, BUFFERS off, TIMING on) " + query_text(tmpl)).format(source=features._source(fs), fid=features._fid(fs), order=order, properties=properties, columns=sql.SQL(", ").join(sql.Identifier("s", c) for c in shown))
    for r in conn.execute(text, p).fetchall(): print(r[0])
    text = sql.SQL("EXPLAIN (ANALYZE, TIMING on) " + query_text(fs.sql))
    for r in conn.execute(text, p).fetchall()[-3:]: print(r[0])
