"""Make assets/alert-critical.wav: the alert desk's chime for a new critical alert (two rising tones, 0.7 s, 16 kHz
mono 16-bit PCM, ~22 KB), made here from sine waves so that nothing is fetched and the file can be remade:

    .venv/bin/python scripts/make_alert_sound.py
"""

from __future__ import annotations

import math
import struct
import wave
from pathlib import Path

RATE = 16_000
OUT = Path(__file__).resolve().parent.parent / "assets" / "alert-critical.wav"


def tone(freq: float, seconds: float, volume: float = 0.6) -> list[int]:
    n = int(RATE * seconds)
    fade = int(RATE * 0.02)
    out = []
    for i in range(n):
        envelope = min(1.0, i / fade, (n - i) / fade)
        out.append(int(32767 * volume * envelope * math.sin(2 * math.pi * freq * i / RATE)))
    return out


def main() -> None:
    samples = tone(880, 0.25) + [0] * int(RATE * 0.05) + tone(1175, 0.4)
    with wave.open(str(OUT), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(struct.pack(f"<{len(samples)}h", *samples))
    print(f"{OUT}: {OUT.stat().st_size} bytes")


if __name__ == "__main__":
    main()
