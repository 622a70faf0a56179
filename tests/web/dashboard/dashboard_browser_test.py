#!/usr/bin/python3
"""The dashboard in a real browser: Debian's Chromium, headless, driven through
WebDriver (Debian's chromedriver and python3-selenium), against a virtual
cluster whose slumber daemon serves the page (slumber-vcluster up --daemon
--web --fabric-switch). It checks that the devices show the fabric switch and
the nodes that need it, that the tiles follow a job that wakes powered-down nodes
(off, booting, up and busy), that an action is refused without the token and
done with it, that a node running a job is never switched off, and that text
from Slurm shows as text. Screenshots go to --artefacts at each step.

Exit status: 0 passed, 1 failed, 77 skipped (not root, or no browser): ctest's
SKIP_RETURN_CODE.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request

SKIP = 77
NAME = "dashboard"
RUN_DIR = f"/tmp/slumber-test-{NAME}"
BMC_SUBNET = 71  # a subnet and ports no other suite uses
SLURMCTLD_PORT = 28800
WEB_PORT = 28890
NODES = 3
PAGE = f"http://127.0.0.1:{WEB_PORT}/"
# Untrusted text, as Slurm would hand it over in a node's reason.
MARKUP_REASON = '<img src=x id=pwned onerror="document.title=1">'


# What each tile's colour must be for what Slurm, the controller and the
# journal say (the page's phaseOf), beyond the phases the cluster goes through.
PHASE_TABLE = [
    ({"slurm": "IDLE", "power": "on"}, "idle"),
    ({"slurm": "MIXED", "power": "on"}, "busy"),
    ({"slurm": "IDLE+COMPLETING", "power": "on"}, "busy"),
    ({"slurm": "IDLE+POWERED_DOWN", "power": "off"}, "off"),
    ({"slurm": "IDLE+POWERING_DOWN", "power": "off"}, "off"),
    ({"slurm": "ALLOCATED+POWERED_DOWN", "power": "off"}, "booting"),
    ({"slurm": "MIXED+NOT_RESPONDING+POWERING_UP", "power": "on"}, "booting"),
    ({"slurm": "MIXED", "power": "on", "phase": {"name": "booting"}}, "booting"),
    ({"slurm": "DOWN+POWERED_DOWN", "power": "off", "reason": "ResumeTimeout reached"}, "failing"),
    ({"slurm": "IDLE", "power": "error: no answer from the controller"}, "failing"),
    ({"slurm": "IDLE+POWERED_DOWN", "power": "blocked", "blocked": [{"kind": "auth_failed"}]}, "failing"),
    ({"slurm": "IDLE+POWERED_DOWN", "power": "off", "phase": {"name": "failed"}}, "failing"),
    ({"slurm": "IDLE+DRAIN", "power": "on"}, "drained"),
    ({"slurm": "MIXED+DRAIN", "power": "on", "blocked": [{"kind": "auth_failed"}]}, "drained"),
]


class Failure(Exception):
    pass


def log(text):
    print(f"[{time.strftime('%H:%M:%S')}] {text}", flush=True)


def run(argv, check=True):
    done = subprocess.run(argv, capture_output=True, text=True, env=dict(os.environ, SLURM_CONF=f"{RUN_DIR}/slurm.conf"))
    if check and done.returncode != 0:
        raise Failure(f"{' '.join(argv)} exited {done.returncode}: {done.stdout}{done.stderr}")
    return done.stdout


def wait_for(what, ready, limit):
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        value = ready()
        if value:
            return value
        time.sleep(0.25)
    value = ready()
    if not value:
        raise Failure(f"waited {limit} s for {what}")
    return value


def api_nodes():
    with urllib.request.urlopen(f"{PAGE}api/nodes", timeout=30) as answer:
        return {node["node"]: node for node in json.load(answer)}


class Dashboard:
    """The page in Chromium, and what its tiles showed over time."""

    def __init__(self, webdriver, artefacts):
        from selenium.webdriver.chrome.options import Options
        from selenium.webdriver.chrome.service import Service

        options = Options()
        options.binary_location = "/usr/bin/chromium"
        for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1280,1100", "--no-first-run", "--disable-extensions"):
            options.add_argument(flag)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        self.driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
        self.artefacts = artefacts
        self.seen = {}  # node -> the phases its tile showed, in order

    def close(self):
        self.driver.quit()

    def screenshot(self, name):
        path = os.path.join(self.artefacts, f"{name}.png")
        self.driver.save_screenshot(path)
        log(f"screenshot {path}")

    def tiles(self):
        """{node: phase} as the page shows it now; the history in self.seen."""
        phases = self.driver.execute_script(
            "const out = {};"
            "for (const tile of document.querySelectorAll('#tiles .tile')) out[tile.dataset.node] = tile.dataset.phase;"
            "return out;")
        for node, phase in phases.items():
            history = self.seen.setdefault(node, [])
            if not history or history[-1] != phase:
                history.append(phase)
                log(f"tile {node}: {phase}")
        return phases

    def wait_tiles(self, what, holds, limit):
        return wait_for(what, lambda: holds(self.tiles()), limit)

    def text(self, selector):
        return self.driver.find_element("css selector", selector).text

    def select(self, node):
        if self.driver.execute_script("return document.querySelector('#detail').hidden") is False and \
                self.text("#detail-name") == node:
            return
        self.driver.find_element("css selector", f'#tiles .tile[data-node="{node}"]').click()
        wait_for(f"{node}'s details", lambda: self.text("#detail-name") == node, 10)

    def act(self, node, action):
        """Clicks the action's button for `node`; the page's words of the answer."""
        self.select(node)
        before = self.text("#action-result")
        self.driver.execute_script("document.querySelector('#action-result').textContent = ''")
        self.driver.find_element("css selector", f'#actions button[data-action="{action}"]').click()
        words = wait_for(f"the answer to {action} {node}",
                         lambda: (lambda text: text if text and "asking" not in text else None)(
                             self.text("#action-result")), 120)
        log(f"{action} {node}: {words} (before: {before!r})")
        return words

    def set_token(self, token):
        field = self.driver.find_element("css selector", "#token")
        field.clear()
        field.send_keys(token)
        self.driver.find_element("css selector", "#token-set").click()

    def severe_console_lines(self):
        return [entry["message"] for entry in self.driver.get_log("browser") if entry["level"] == "SEVERE"]


def check_headers():
    with urllib.request.urlopen(PAGE, timeout=30) as answer:
        policy = answer.headers.get("Content-Security-Policy", "")
        page = answer.read().decode()
    if "script-src 'self'" not in policy or "unsafe-inline" in policy:
        raise Failure(f"the page's Content-Security-Policy does not forbid inline script: {policy!r}")
    if "<title>slumber</title>" not in page:
        raise Failure("GET / is not the dashboard")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--vcluster", required=True, help="the slumber-vcluster binary (slumber beside it)")
    parser.add_argument("--artefacts", required=True, help="where the screenshots go")
    args = parser.parse_args()

    if os.geteuid() != 0:
        print("skipped: the virtual cluster needs root")
        return SKIP
    try:
        from selenium import webdriver
    except ImportError:
        print("skipped: python3-selenium is not installed (scripts/setup installs it)")
        return SKIP
    for program in ("/usr/bin/chromium", "/usr/bin/chromedriver"):
        if not os.access(program, os.X_OK):
            print(f"skipped: {program} is missing (scripts/setup installs chromium and chromium-driver)")
            return SKIP

    os.makedirs(args.artefacts, exist_ok=True)
    for old in os.listdir(args.artefacts):
        if old.endswith(".png"):
            os.remove(os.path.join(args.artefacts, old))
    rig = [args.vcluster]

    def machine_power(node):
        # The rig's own view of the machine: the web server shows only the
        # daemon's BMC reads, and the daemon does not read an awake node's BMC.
        status = json.loads(run(rig + ["status", "--dir", RUN_DIR, "--json"]))
        return next(item["power"] for item in status["nodes"] if item["name"] == node)

    run(rig + ["down", "--dir", RUN_DIR], check=False)  # a previous run that crashed
    up = rig + ["up", "--dir", RUN_DIR, "--nodes", str(NODES), "--bmc-subnet", str(BMC_SUBNET),
                "--port", str(SLURMCTLD_PORT), "--hooks", "slumber", "--daemon", "--web", str(WEB_PORT),
                "--fabric-switch",
                "--suspend-time", "10s", "--boot-delay", "10s", "--suspend-timeout", "5s", "--resume-timeout", "60s"]
    if os.environ.get("SLUMBER_TEST_DEPLOYMENT") == "site":
        up += ["--deployment", "site"]
    dashboard = None
    try:
        log("bringing the cluster up")
        run(up)
        with open(f"{RUN_DIR}/web.token") as file:
            token = file.read().strip()
        wait_for("the daemon's web server", lambda: _answers(PAGE), 30)
        check_headers()

        dashboard = Dashboard(webdriver, args.artefacts)
        dashboard.driver.get(PAGE)
        nodes = [f"vnode{i:03}" for i in range(1, NODES + 1)]
        dashboard.wait_tiles("a tile per node", lambda tiles: sorted(tiles) == nodes, 60)
        for node, expected in PHASE_TABLE:
            got = dashboard.driver.execute_script("return phaseOf(arguments[0])", node)
            if got != expected:
                raise Failure(f"a node with {node} shows as {got}, not {expected}")
        device = wait_for("the fabric switch in the devices", lambda: dashboard.driver.execute_script(
            "const row = document.querySelector('#devices tr[data-device=\"ibswitch\"]');"
            "return row ? [...row.cells].map(cell => cell.textContent) : null;"), 30)
        if device[1] != "tasmota" or device[4] != ", ".join(nodes):
            raise Failure(f"the devices table shows the fabric switch as {device}")
        device = wait_for("the fabric switch in the devices", lambda: dashboard.driver.execute_script(
            "const row = document.querySelector('#devices tr[data-device=\"ibswitch\"]');"
            "return row ? [...row.cells].map(cell => cell.textContent) : null;"), 30)
        if device[1] != "tasmota" or device[4] != ", ".join(nodes):
            raise Failure(f"the devices table shows the fabric switch as {device}")
        log("waiting for every node to power down (SuspendTime 10 s)")
        dashboard.wait_tiles("every tile off", lambda tiles: all(phase == "off" for phase in tiles.values()), 180)
        dashboard.screenshot("1-asleep")

        job = run(["sbatch", "--parsable", "-N", "2", "-w", "vnode[001-002]", "--wrap", "sleep 600"]).strip()
        log(f"job {job} submitted to vnode[001-002]")
        waking = ["vnode001", "vnode002"]
        dashboard.wait_tiles("the job's nodes booting",
                             lambda tiles: any(tiles[node] == "booting" for node in waking), 90)
        dashboard.screenshot("2-waking")
        dashboard.wait_tiles("the job's nodes up and busy",
                             lambda tiles: all(tiles[node] == "busy" for node in waking), 180)
        dashboard.screenshot("3-running")
        for node in waking:
            history = dashboard.seen[node]
            if "off" not in history or "booting" not in history or \
                    history.index("off") > history.index("booting") or history[-1] != "busy":
                raise Failure(f"{node}'s tile showed {history}: expected off, then booting, then busy")
        if dashboard.tiles()["vnode003"] != "off":
            raise Failure("vnode003 woke without a job")

        # Read-only without the token: the daemon refuses, and nothing happens.
        words = dashboard.act("vnode003", "on")
        if "refused" not in words or "401" not in words:
            raise Failure(f"power on without the token was not refused: {words}")
        time.sleep(3)
        if machine_power("vnode003") != "off":
            raise Failure("vnode003 was switched on although the action was refused")
        dashboard.screenshot("4-refused-without-token")

        dashboard.set_token(token)
        if token in dashboard.driver.current_url:
            raise Failure("the token went into the page's URL")
        if dashboard.driver.execute_script("return localStorage.length + sessionStorage.length + document.cookie.length"):
            raise Failure("the page stored something (the token must stay in its memory)")
        words = dashboard.act("vnode001", "off")
        if "refused" not in words:
            raise Failure(f"power off of a node running a job was not refused: {words}")
        words = dashboard.act("vnode003", "on")
        if "done" not in words:
            raise Failure(f"power on with the token was not done: {words}")
        wait_for("vnode003 to be on", lambda: machine_power("vnode003") == "on", 60)
        # A job on resumed nodes may stay CONFIGURING for a while (VIRTUAL-CLUSTER.md).
        power, job_state = machine_power("vnode001"), run(["squeue", "-h", "-j", job, "-o", "%T"]).strip()
        if power != "on" or job_state not in ("RUNNING", "CONFIGURING"):
            raise Failure(f"the refused power-off touched vnode001 ({power}) or its job ({job_state})")
        dashboard.screenshot("5-done-with-token")

        # Slurm's words are text, never markup.
        run(["scontrol", "update", "nodename=vnode002", "state=drain", f"reason={MARKUP_REASON}"])
        dashboard.wait_tiles("vnode002 drained", lambda tiles: tiles["vnode002"] == "drained", 60)
        reason = dashboard.driver.execute_script(
            "return document.querySelector('#tiles .tile[data-node=\"vnode002\"] .reason').textContent")
        if MARKUP_REASON not in reason:
            raise Failure(f"the drain reason is not shown as text: {reason!r}")
        if dashboard.driver.execute_script("return document.getElementById('pwned') !== null || document.title !== 'slumber'"):
            raise Failure("a node's reason was parsed as markup")
        attention = dashboard.text("#attention")
        if "vnode002 is drained" not in attention:
            raise Failure(f"the drained node is not under 'Needs a look': {attention!r}")
        dashboard.select("vnode002")
        dashboard.screenshot("6-drained")
        run(["scancel", job], check=False)

        console = dashboard.severe_console_lines()
        blocked = [line for line in console if "Content Security Policy" in line or "Refused" in line]
        if blocked:
            raise Failure(f"the browser refused parts of the page: {blocked}")
        log("passed")
        return 0
    except Failure as failure:
        print(f"FAILED: {failure}", file=sys.stderr)
        if dashboard is not None:
            try:
                dashboard.screenshot("failure")
                print(f"tiles seen: {dashboard.seen}", file=sys.stderr)
                print(f"browser console: {dashboard.severe_console_lines()}", file=sys.stderr)
            except Exception as error:  # the browser may be gone
                print(f"no screenshot: {error}", file=sys.stderr)
        log_file = f"{RUN_DIR}/log/slumberd.log"
        if os.path.exists(log_file):
            shutil.copy(log_file, os.path.join(args.artefacts, "slumberd.log"))
        return 1
    finally:
        if dashboard is not None:
            dashboard.close()
        run(rig + ["down", "--dir", RUN_DIR], check=False)


def _answers(url):
    try:
        with urllib.request.urlopen(url, timeout=5):
            return True
    except (urllib.error.URLError, OSError):
        return False


if __name__ == "__main__":
    sys.exit(main())
