"""In-memory state shared by the apps of one sandbox process."""
from __future__ import annotations

import threading
import time
from datetime import datetime


def now_text() -> str:
    return datetime.now().strftime("%d/%m/%Y %H:%M:%S")


class Store:
    def __init__(self):
        self.lock = threading.Lock()
        self.shutdown = threading.Event()     # set at shutdown: interrupts deliberate sleeps
        self.dossiers: dict[str, dict] = {}   # Mã hồ sơ -> dossier
        self.kho: dict[str, list[dict]] = {}  # SoDinhDanh -> "Kho dữ liệu cá nhân" entries
        self._seq: dict[str, int] = {}
        self._counters: dict[str, int] = {}

    def sleep(self, seconds: float) -> bool:
        """Sleep, but wake up at shutdown. True if the full time elapsed."""
        return not self.shutdown.wait(seconds)

    def count(self, key: str) -> int:
        with self.lock:
            n = self._counters.get(key, 0) + 1
            self._counters[key] = n
            return n

    def new_dossier(self, unit, ma_tthc: str, owner: dict, values: dict, documents: dict) -> dict:
        day = datetime.now().strftime("%y%m%d")
        with self.lock:
            key = f"{unit.code}-{day}"
            n = self._seq.get(key, 0) + 1
            self._seq[key] = n
            code = f"{unit.code}.25-{day}-{n:04d}"
            d = {
                "code": code, "unit": unit.id, "MaTTHC": ma_tthc, "owner": dict(owner),
                "values": dict(values), "documents": dict(documents),
                "status": "Đã tiếp nhận", "created": time.time(),
                "history": [{"time": now_text(), "status": "Đã tiếp nhận",
                             "note": "Hồ sơ đã được nộp trực tuyến và tiếp nhận."}],
            }
            self.dossiers[code] = d
            return d

    def add_status(self, code: str, status: str, note: str = ""):
        with self.lock:
            d = self.dossiers[code]
            d["status"] = status
            d["history"].append({"time": now_text(), "status": status, "note": note})

    def add_to_kho(self, so_dinh_danh: str, entry: dict):
        with self.lock:
            self.kho.setdefault(so_dinh_danh, []).append(entry)
