# Port One-Map. `make demo` and `make test` are the two commands; see README.md.
SHELL := /bin/bash
PY := .venv/bin/python
PORT_PACKAGE ?= assets/ports/weifang
APP_PORT ?= $(or $(PORTMAP_APP_PORT),8050)
export PORTMAP_APP_PORT := $(APP_PORT)
RUN := .data/run
AIS_UDP_PORT ?= 10110
AIS_METRICS_PORT ?= 9101
MQTT_PORT ?= $(or $(PORTMAP_MQTT_PORT),51883)
WEBHOOK_PORT ?= 8091
JT808_PORT ?= 8808
TRACKER_PORT ?= 5055
CAMERA_METRICS_PORT ?= 9102
PYTEST_WORKERS ?= 2   ## pytest-xdist processes (the machine's 2 cores); 0 runs in one process
DEMO_SPEED ?= 1
DEMO_SEED ?= 7
INBOX ?= .data/inbox

.PHONY: demo test test-slow stop bootstrap services db app lint screenshots bench

bootstrap:
	@bash scripts/bootstrap.sh

services: bootstrap
	@bash scripts/services.sh start

db: services
	@$(PY) -m sql.migrate
	@$(PY) -m ingest port $(PORT_PACKAGE)

demo: db
	@mkdir -p $(RUN)
	@bash scripts/daemon.sh stop feed ais camera inbox alerts alerts-out app reports vehicles trackers
	@bash scripts/daemon.sh restart ais $(PY) -m ingest ais --udp 127.0.0.1:$(AIS_UDP_PORT) --station demo \
		--metrics 127.0.0.1:$(AIS_METRICS_PORT)
	@PORTMAP_WEBHOOK_TOKEN=$${PORTMAP_WEBHOOK_TOKEN:-$$(cat .data/secrets/webhook-token)} bash scripts/daemon.sh restart camera \
		$(PY) -m ingest camera --mqtt 127.0.0.1:$(MQTT_PORT) --webhook 127.0.0.1:$(WEBHOOK_PORT) \
		--metrics 127.0.0.1:$(CAMERA_METRICS_PORT)
	@bash scripts/daemon.sh restart inbox $(PY) -m ingest inbox $(INBOX)
	@bash scripts/daemon.sh restart vehicles $(PY) -m ingest vehicles --jt808 127.0.0.1:$(JT808_PORT) --station demo
	@bash scripts/daemon.sh restart trackers $(PY) -m ingest trackers --http 127.0.0.1:$(TRACKER_PORT)
	@bash scripts/daemon.sh restart alerts $(PY) -m ingest alerts --port-id weifang
	@bash scripts/daemon.sh restart alerts-out $(PY) -m ingest alerts-out --mqtt 127.0.0.1:$(MQTT_PORT) --port-id weifang
	@bash scripts/daemon.sh restart app $(PY) -m app
	@bash scripts/daemon.sh wait-http http://127.0.0.1:$(APP_PORT)/healthz
	@$(PY) -m app.users demo
	@bash scripts/daemon.sh restart reports $(PY) -m app.report --schedule 06:00,14:00,22:00 --dir .data/reports
	@bash scripts/daemon.sh wait-http http://127.0.0.1:$(AIS_METRICS_PORT)/metrics
	@bash scripts/daemon.sh restart feed $(PY) -m demo --speed $(DEMO_SPEED) --seed $(DEMO_SEED) \
		--ais 127.0.0.1:$(AIS_UDP_PORT) --mqtt 127.0.0.1:$(MQTT_PORT) --inbox $(INBOX) \
		--jt808 127.0.0.1:$(JT808_PORT) --trackers 127.0.0.1:$(TRACKER_PORT)
	@echo "Demo feed: Weifang traffic at speed $(DEMO_SPEED) (seed $(DEMO_SEED)); incidents in .data/demo/incidents.jsonl"
	@echo "Port One-Map is up: http://127.0.0.1:$(APP_PORT)/   (make stop to stop it; logs in $(RUN)/)"
	@echo "Situation reports at each shift change (06:00, 14:00, 22:00 port time) go to .data/reports/"
	@echo "AIS ingest listens for NMEA on udp://127.0.0.1:$(AIS_UDP_PORT); metrics on :$(AIS_METRICS_PORT)/metrics"
	@echo "Alerts out: MQTT portmap/weifang/alerts/<id> on 127.0.0.1:$(MQTT_PORT) (retained JSON, docs/alerts-out.md); CAP 1.2 feed http://127.0.0.1:$(APP_PORT)/api/v1/cap.atom; OGC API http://127.0.0.1:$(APP_PORT)/api/v1/ogc (an api token: python -m app.users token add NAME --kind api)"
	@echo "Camera events: MQTT frigate/events on 127.0.0.1:$(MQTT_PORT) (login frigate, password in .data/secrets/mqtt-frigate); POST http://127.0.0.1:$(WEBHOOK_PORT)/api/v1/camera-events (bearer token in .data/secrets/webhook-token)"

test: lint services
	@PY=$(PY) PYTEST_WORKERS=$(PYTEST_WORKERS) PYTEST_ARGS="$(PYTEST_ARGS)" bash scripts/test.sh

test-slow: services
	@$(PY) -m pytest -m slow $(PYTEST_ARGS)

lint: bootstrap
	@.venv/bin/ruff check portdomain app layers ingest sql demo tests scripts bench
	@.venv/bin/mypy

bench: db             ## every benchmark; writes BENCHMARKS.md (run make demo first for the report's data)
	@$(PY) -m bench.all $(BENCH_ARGS)

stop:
	@bash scripts/daemon.sh stop feed app camera ais inbox alerts alerts-out reports vehicles trackers
	@bash scripts/services.sh stop
	@echo "stopped"

screenshots: demo
	@$(PY) scripts/screenshot.py http://127.0.0.1:$(APP_PORT)/ docs/map-overview.png
	@$(PY) scripts/screenshot.py http://127.0.0.1:$(APP_PORT)/ docs/map-central-port.png --zoom 14.3 --center 119.1935,37.2045
	@$(PY) scripts/screenshot.py http://127.0.0.1:$(APP_PORT)/ docs/map-zh.png --lang zh --zoom 12.6 --center 119.199,37.222
	@$(PY) scripts/screenshot.py http://127.0.0.1:$(APP_PORT)/ docs/ops-anchorage-plan.png --open ops-watch --open ops-plan
	@$(PY) scripts/screenshot.py http://127.0.0.1:$(APP_PORT)/ docs/ops-statistics.png --open stats --grain hour
