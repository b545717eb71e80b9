"""The tools as a user meets them: forms driven in headless Chromium, with Galaxy's own Selenium helpers.

    python -m localgalaxy ui [--results results/ui]

Opens every tool form (no error box, no console error, help and citations shown), builds the tutorial's model
through the architecture form, uploads the IMDB tables through the upload dialog, runs the builder, training,
prediction and confusion-matrix forms with the tutorial's values, and opens the confusion-matrix image in the centre
panel. Then it imports the shipped ``imdb-sentiment-lstm.ga`` through Galaxy's workflow import page (the file as it
is), runs it on the uploaded tables from its run form, waits for the invocation's jobs, and opens the invocation's
report. A screenshot of every step goes to the results folder, which is kept when a step fails.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path

from bioblend.galaxy import GalaxyInstance
from galaxy.selenium.context import GalaxySeleniumContext
from galaxy.selenium.driver_factory import ConfiguredDriver
from galaxy.selenium.navigates_galaxy import galaxy_timeout_handler
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from localgalaxy.environments import REPO_ROOT
from localgalaxy.server import RunningGalaxy, running_galaxy

TOOL_IDS = (
    "keras3_model_config",
    "keras3_model_builder",
    "keras3_train_and_eval",
    "keras3_model_prediction",
    "keras3_ml_visualization",
    "keras3_text_tokenizer",
    "keras3_hyperparameter_search",
)
TEST_DATA = REPO_ROOT / "test-data"
WORKFLOW = REPO_ROOT / "workflows" / "imdb-sentiment-lstm" / "imdb-sentiment-lstm.ga"
# The workflow's data inputs, and the uploaded tables the run form gives them.
WORKFLOW_INPUTS = {
    "X_train": "imdb_X_train.tsv",
    "y_train": "imdb_y_train.tsv",
    "X_test": "imdb_X_test.tsv",
    "y_test": "imdb_y_test.tsv",
}
JOB_TIMEOUT_S = 600
# Requests the Galaxy 26.1 client makes on every page, refused (403) for users who may not write their own tools.
GALAXY_CONSOLE_NOISE = ("/api/unprivileged_tools",)
# The natural width of the widest loaded image in the centre panel, looking into frames too (0: none loaded).
LOADED_IMAGE_WIDTH = """
const frames = [...document.querySelectorAll('#center iframe')].map(frame => frame.contentDocument).filter(Boolean);
const images = [...document.querySelectorAll('#center img'), ...frames.flatMap(page => [...page.images])];
return Math.max(0, ...images.map(image => (image.complete ? image.naturalWidth : 0)));
"""


class UiCheckError(Exception):
    """A step a user takes did not give what the user should see."""


class Browser(GalaxySeleniumContext):
    """Headless Chromium on a running Galaxy, with Galaxy's navigation helpers and a screenshot per step."""

    def __init__(self, url: str, screenshots: Path) -> None:
        # Selenium Manager must not look for browsers on the internet: Debian's chromium and chromedriver are on PATH.
        os.environ.setdefault("SE_OFFLINE", "true")
        os.environ.setdefault("SE_AVOID_STATS", "true")
        self.url = self.target_url_from_selenium = url
        self.timeout_multiplier = 4  # a 2-core machine running Galaxy, Celery and TensorFlow jobs at once
        self.configured_driver = ConfiguredDriver(
            galaxy_timeout_handler(self.timeout_multiplier), browser="CHROME", headless=True
        )
        self.screenshots = screenshots
        self.steps = 0

    def _screenshot_path(self, label: str, extension: str = ".png") -> str:
        self.steps += 1
        return str(self.screenshots / f"{self.steps:02d}_{label}{extension}")

    def console_errors(self) -> list[str]:
        """Severe browser console messages, except failed requests to hosts outside this machine (it is offline)
        and Galaxy's own probes that a plain user is refused (they are not about these tools)."""
        entries = self.driver.get_log("browser")
        return [
            entry["message"]
            for entry in entries
            if entry["level"] == "SEVERE"
            and ("127.0.0.1" in entry["message"] or "http" not in entry["message"])
            and not any(noise in entry["message"] for noise in GALAXY_CONSOLE_NOISE)
        ]

    def open_tool(self, tool_id: str) -> None:
        self.get(f"?tool_id={tool_id}&version=latest")
        self.components.tool_form.execute.wait_for_visible()
        self.sleep_for(self.wait_types.UX_RENDER)

    def select_dataset(self, parameter: str, name: str) -> None:
        self.select_set_value(
            self.components.tool_form.parameter_data_select(parameter=parameter).wait_for_visible(), name
        )

    def select_option(self, parameter: str, label: str) -> None:
        self.tool_set_value(parameter, label, expected_type="select")

    def set_value(self, parameter: str, value: str) -> None:
        """Type a value over the field's default, as a user does (select all, type)."""
        field = self.tool_parameter_div(parameter).find_element(By.CSS_SELECTOR, "input")
        field.click()
        field.send_keys(Keys.CONTROL, "a")
        field.send_keys(value)
        field.send_keys(Keys.TAB)

    def insert_repeat(self) -> None:
        self.components.tool_form.repeat_insert.wait_for_and_click()
        self.sleep_for(self.wait_types.UX_RENDER)


class Session:
    """One user's walk through the suite: the browser for actions, the API to wait for jobs and read results."""

    def __init__(self, galaxy: RunningGalaxy, results: Path) -> None:
        self.galaxy = galaxy
        self.api = GalaxyInstance(galaxy.url, key=galaxy.api_key)
        self.browser = Browser(galaxy.url, results)
        self.outcomes: list[dict] = []  # in planemo's report format, so that the CI total counts them

    def step(self, label: str, action: Callable[[], None]) -> None:
        print(f"[ui] {label}", flush=True)
        try:
            action()
            errors = self.browser.console_errors()
            if errors:
                raise UiCheckError(f"{label}: the browser console shows errors: {errors[:3]}")
        except Exception:
            self.outcomes.append({"id": label, "data": {"status": "failure"}})
            raise
        finally:
            self.browser.screenshot(label)
        self.outcomes.append({"id": label, "data": {"status": "success"}})

    def history(self) -> str:
        return self.api.histories.get_most_recently_used_history()["id"]

    def wait_for_new_datasets(self, before: int, expected: int) -> list[dict]:
        """Wait until ``expected`` datasets beyond the first ``before`` are done; return them, newest last."""
        deadline = time.monotonic() + JOB_TIMEOUT_S
        while time.monotonic() < deadline:
            contents = sorted(
                self.api.histories.show_history(self.history(), contents=True, deleted=False),
                key=lambda item: item["hid"],
            )
            new = [item for item in contents if item["hid"] > before]
            if len(new) >= expected and all(item["state"] in ("ok", "error", "failed_metadata") for item in new):
                failed = [item["name"] for item in new if item["state"] != "ok"]
                if failed:
                    raise UiCheckError(f"jobs failed: {failed}")
                return new
            time.sleep(2)
        raise UiCheckError(f"jobs did not finish within {JOB_TIMEOUT_S} s")

    def hid_count(self) -> int:
        return len(self.api.histories.show_history(self.history(), contents=True, deleted=False))


def check_tool_form(session: Session, tool_id: str) -> None:
    """The form renders with no error box, its help is formatted text, and its citations are listed."""
    browser = session.browser
    browser.open_tool(tool_id)
    browser.assert_no_error_message()
    help_box = browser.driver.find_element(By.CSS_SELECTOR, ".form-help, .tool-help")
    if not help_box.find_elements(By.CSS_SELECTOR, "strong, p, li, table"):
        raise UiCheckError(f"{tool_id}: the help is not rendered as formatted text")
    if "What it does" not in help_box.text:
        raise UiCheckError(f"{tool_id}: the help does not show its 'What it does' section")
    footer = browser.components.tool_form.about.wait_for_visible().text + " ".join(
        element.text for element in browser.driver.find_elements(By.CSS_SELECTOR, ".formatted-reference, .citations")
    )
    if "10.48550/arXiv.1603.04467" not in footer and "TensorFlow" not in footer:
        raise UiCheckError(f"{tool_id}: the citations are not shown (footer: {footer[:200]!r})")


def build_tutorial_architecture(session: Session) -> None:
    """(500,) -> Insert Layer: Embedding 10000/32 -> Insert Layer: LSTM 100 -> Insert Layer: Dense 1 sigmoid."""
    browser = session.browser
    browser.open_tool("keras3_model_config")
    browser.set_value("model|input_shape", "(500,)")
    layers = [
        ("Embedding -- Embedding", {"input_dim": "10000", "output_dim": "32"}, {}),
        ("Recurrent -- LSTM", {"units": "100"}, {}),
        ("Core -- Dense", {"units": "1"}, {"activation": "sigmoid"}),
    ]
    for index, (layer_type, numbers, choices) in enumerate(layers):
        if index:  # the form starts with one layer
            browser.insert_repeat()
        prefix = f"model|layers_{index}|layer_selection"
        browser.select_option(f"{prefix}|layer_type", layer_type)
        browser.sleep_for(browser.wait_types.UX_RENDER)
        for name, value in numbers.items():
            browser.set_value(f"{prefix}|{name}", value)
        for name, value in choices.items():
            browser.select_option(f"{prefix}|{name}", value)
    browser.screenshot("architecture_form_filled")
    before = session.hid_count()
    browser.tool_form_execute()
    (architecture,) = session.wait_for_new_datasets(before, 1)
    config = json.loads(session.api.datasets.download_dataset(architecture["id"], require_ok_state=True))
    layers_built = [(layer["class_name"], layer["config"]) for layer in config["config"]["layers"]]
    kinds = [name for name, _ in layers_built]
    if kinds != ["InputLayer", "Embedding", "LSTM", "Dense"]:
        raise UiCheckError(f"the architecture JSON holds {kinds}, not InputLayer, Embedding, LSTM, Dense")
    embedding, lstm, dense = (settings for _, settings in layers_built[1:])
    found = (
        layers_built[0][1]["batch_shape"],
        embedding["input_dim"],
        embedding["output_dim"],
        lstm["units"],
        dense["units"],
        dense["activation"],
    )
    if found != ([None, 500], 10000, 32, 100, 1, "sigmoid"):
        raise UiCheckError(f"the architecture JSON has the wrong settings: {found}")


def upload_tables(session: Session) -> None:
    for name in ("imdb_X_train.tsv", "imdb_y_train.tsv", "imdb_X_test.tsv", "imdb_y_test.tsv"):
        before = session.hid_count()
        session.browser.perform_upload(str(TEST_DATA / name), ext="tabular")
        session.wait_for_new_datasets(before, 1)


def run_form(
    session: Session, tool_id: str, datasets: dict[str, str], values: dict[str, str], outputs: int
) -> list[dict]:
    """Open a tool form, pick datasets by name, type values, run it and wait for its outputs."""
    browser = session.browser
    browser.open_tool(tool_id)
    for parameter, name in datasets.items():
        browser.select_dataset(parameter, name)
    for parameter, value in values.items():
        browser.set_value(parameter, value)
    before = session.hid_count()
    browser.tool_form_execute()
    return session.wait_for_new_datasets(before, outputs)


def run_builder(session: Session) -> None:
    """The tutorial's settings: binary cross-entropy, Adam and acc are the defaults; 2 epochs of 128."""
    values = {"fit_parameters|epochs": "2", "fit_parameters|batch_size": "128"}
    run_form(session, "keras3_model_builder", {"architecture": "Keras Model Config"}, values, 1)


def run_training(session: Session) -> None:
    datasets = {"plan": "Keras Model Builder", "features": "imdb_X_train.tsv", "targets": "imdb_y_train.tsv"}
    run_form(session, "keras3_train_and_eval", datasets, {}, 3)


def run_prediction(session: Session) -> None:
    datasets = {"model": "trained model", "features": "imdb_X_test.tsv"}
    run_form(session, "keras3_model_prediction", datasets, {}, 1)


def run_confusion_matrix(session: Session) -> dict:
    datasets = {"plot|true_labels": "imdb_y_test.tsv", "plot|predicted_labels": "Model Prediction"}
    outputs = run_form(session, "keras3_ml_visualization", datasets, {}, 3)
    return next(item for item in outputs if item["extension"] == "png")


def open_image(session: Session, image: dict) -> None:
    """Click the eye icon of the PNG; the centre panel shows it, loaded (a natural width above 0)."""
    browser = session.browser
    browser.home()
    item = browser.history_panel_item_component(hid=image["hid"])
    item.title.wait_for_and_click()
    item.display_button.wait_for_and_click()
    browser.sleep_for(browser.wait_types.UX_RENDER)
    deadline = time.monotonic() + 60
    width = 0
    while time.monotonic() < deadline and not width:
        width = browser.driver.execute_script(LOADED_IMAGE_WIDTH)
        time.sleep(1)
    if not width:
        raise UiCheckError("the confusion-matrix image did not load in the centre panel")
    print(f"[ui] the confusion-matrix image is {width} pixels wide in the centre panel", flush=True)


def import_workflow_file(session: Session, path: Path) -> str:
    """Galaxy's workflow import page: the file card, the file, Import. The new workflow's id, once its steps are
    checked to name the same tools as the file."""
    browser, api = session.browser, session.api
    before = {workflow["id"] for workflow in api.workflows.get_workflows()}
    browser.navigate_to_workflows_import()
    browser.components.workflows.import_file_link.wait_for_and_click()
    browser.wait_for_selector(".workflow-import-file input[type='file']").send_keys(str(path))
    browser.sleep_for(browser.wait_types.UX_RENDER)
    browser.screenshot("workflow_import_file_chosen")
    browser.wait_for_selector_clickable(".wizard-actions .go-next-btn.btn-primary:not([disabled])").click()
    browser.components.workflows.workflow_cards.wait_for_visible()
    imported = [workflow for workflow in api.workflows.get_workflows() if workflow["id"] not in before]
    shipped = json.loads(path.read_text())
    # Galaxy names it "<the file's name> (imported from uploaded file)".
    if len(imported) != 1 or not imported[0]["name"].startswith(shipped["name"]):
        raise UiCheckError(f"the import page made {[w['name'] for w in imported]}, not {shipped['name']!r}")
    workflow_id = imported[0]["id"]
    stored = api.workflows.export_workflow_dict(workflow_id)
    tool_ids = sorted(step["tool_id"] for step in stored["steps"].values() if step["type"] == "tool")
    expected = sorted(step["tool_id"] for step in shipped["steps"].values() if step["type"] == "tool")
    if tool_ids != expected:
        raise UiCheckError(f"the imported workflow names {tool_ids}, the file {expected}")
    return workflow_id


def run_workflow_form(session: Session, workflow_id: str) -> str:
    """The workflow's run form: each data input gets its uploaded table, the parameters keep their defaults (the
    tutorial's 2 epochs of 128). The new invocation's id."""
    browser, api = session.browser, session.api
    contents = api.histories.show_history(session.history(), contents=True, deleted=False, visible=True)
    hids = {item["name"]: item["hid"] for item in contents}
    browser.workflow_run_with_id(workflow_id)
    for label, name in WORKFLOW_INPUTS.items():
        field = browser.components.workflow_run.input_select_field(label=label).wait_for_visible()
        # the option's whole label: "1: " alone also matches "11: ..." and may pick that dataset
        browser.select_set_value(field, f"{hids[name]}: {name}")
    browser.screenshot("workflow_run_form_filled")
    before = {invocation["id"] for invocation in api.invocations.get_invocations(workflow_id=workflow_id)}
    browser.workflow_run_submit()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        new = [i for i in api.invocations.get_invocations(workflow_id=workflow_id) if i["id"] not in before]
        if new:
            check_invocation_inputs(session, new[0]["id"], {item["name"]: item["id"] for item in contents})
            return new[0]["id"]
        time.sleep(1)
    raise UiCheckError("the run form made no invocation")


def check_invocation_inputs(session: Session, invocation_id: str, dataset_ids: dict[str, str]) -> None:
    """Each input of the invocation is the table the form was given for it."""
    inputs = session.api.invocations.show_invocation(invocation_id)["inputs"].values()
    given = {item["label"]: item["id"] for item in inputs}
    expected = {label: dataset_ids[name] for label, name in WORKFLOW_INPUTS.items()}
    if given != expected:
        raise UiCheckError(f"the run form gave the workflow {given}, not the tables {expected}")


INVOCATION_DONE = ("ok", "error", "failed", "deleted", "skipped", "paused")


def wait_for_invocation(session: Session, invocation_id: str) -> dict:
    """Wait until the invocation is scheduled and every job has ended; fail if one did not end ok."""
    api = session.api
    deadline = time.monotonic() + JOB_TIMEOUT_S
    while time.monotonic() < deadline:
        invocation = api.invocations.show_invocation(invocation_id)
        if invocation["state"] in ("failed", "cancelled"):
            raise UiCheckError(f"the invocation {invocation['state']}: {invocation.get('messages')}")
        jobs = api.invocations.get_invocation_summary(invocation_id)["states"]
        # Once scheduled, every step has its job: the invocation is done when they all are.
        if invocation["state"] in ("scheduled", "completed") and jobs and set(jobs) <= set(INVOCATION_DONE):
            if set(jobs) != {"ok"}:
                raise UiCheckError(f"the invocation's jobs ended {jobs}{failed_jobs(session, invocation_id)}")
            return invocation
        time.sleep(3)
    raise UiCheckError(f"the invocation did not finish within {JOB_TIMEOUT_S} s")


def failed_jobs(session: Session, invocation_id: str) -> str:
    """Each failed job of the invocation: its tool and the end of its stderr, so that a CI log says why."""
    lines = []
    for job in session.api.jobs.get_jobs(invocation_id=invocation_id, state="error"):
        stderr = session.api.jobs.show_job(job["id"], full_details=True).get("tool_stderr") or ""
        lines.append(f"\n  {job['tool_id']}: {stderr.strip()[-1000:]}")
    return "".join(lines)


def check_invocation(session: Session, invocation_id: str) -> None:
    """The finished invocation's page, and its classification report: the accuracy of the 200 test reviews."""
    invocation = wait_for_invocation(session, invocation_id)
    browser = session.browser
    browser.get(f"workflows/invocations/{invocation_id}")
    browser.sleep_for(browser.wait_types.UX_RENDER)
    report_id = invocation["outputs"]["Classification report"]["id"]
    report = session.api.datasets.download_dataset(report_id, require_ok_state=True).decode()
    accuracy = [line for line in report.splitlines() if line.startswith("accuracy\t")]
    if not accuracy or not accuracy[0].endswith("\t200"):
        raise UiCheckError(f"the classification report has no accuracy of 200 test reviews: {report!r}")
    print(f"[ui] the imported workflow ran: {accuracy[0]!r}", flush=True)


REPORT_TIMEOUT_S = 120


def open_invocation_report(session: Session, invocation_id: str) -> None:
    """The invocation's Report tab: the workflow's report, rendered with its tables and images of this run."""
    browser = session.browser
    browser.get(f"workflows/invocations/{invocation_id}/report")
    title = json.loads(WORKFLOW.read_text())["report"]["markdown"].splitlines()[0].lstrip("# ")
    deadline = time.monotonic() + REPORT_TIMEOUT_S
    text, width = "", 0
    while time.monotonic() < deadline:
        text = browser.driver.find_element(By.TAG_NAME, "body").text
        width = browser.driver.execute_script(LOADED_IMAGE_WIDTH)
        if title in text and "accuracy" in text and width:
            print(f"[ui] the report shows its title, the classification report and images ({width} px)", flush=True)
            return
        time.sleep(2)
    raise UiCheckError(f"the report did not show {title!r}, the classification report and an image: {text[:300]!r}")


def run_ui(workdir: Path, tools_env: Path, results: Path, report: Path) -> int:
    results.mkdir(parents=True, exist_ok=True)
    with running_galaxy(workdir, tools_env) as galaxy:
        session = Session(galaxy, results)
        try:
            session.browser.home()
            session.browser.submit_login(galaxy.admin_email, galaxy.admin_password)
            for tool_id in TOOL_IDS:
                session.step(f"form_{tool_id}", lambda tool_id=tool_id: check_tool_form(session, tool_id))
            session.step("architecture_tutorial_model", lambda: build_tutorial_architecture(session))
            session.step("upload_tables", lambda: upload_tables(session))
            session.step("builder", lambda: run_builder(session))
            session.step("training", lambda: run_training(session))
            session.step("prediction", lambda: run_prediction(session))
            image: dict = {}
            session.step("confusion_matrix", lambda: image.update(run_confusion_matrix(session)))
            session.step("confusion_matrix_in_centre_panel", lambda: open_image(session, image))
            workflow: dict = {}
            session.step("workflow_import", lambda: workflow.update(id=import_workflow_file(session, WORKFLOW)))
            session.step("workflow_run", lambda: workflow.update(invocation=run_workflow_form(session, workflow["id"])))
            session.step("workflow_invocation_done", lambda: check_invocation(session, workflow["invocation"]))
            session.step("workflow_invocation_report", lambda: open_invocation_report(session, workflow["invocation"]))
        except Exception as error:  # noqa: BLE001 - any failure ends the walk: report it, keep the screenshots
            print(f"[ui] FAILED: {type(error).__name__}: {error}", flush=True)
        finally:
            session.browser.configured_driver.quit()
            report.parent.mkdir(parents=True, exist_ok=True)
            report.write_text(json.dumps({"tests": session.outcomes}))
    failed = sum(outcome["data"]["status"] != "success" for outcome in session.outcomes)
    print(f"[ui] screenshots in {results}", flush=True)
    print(f"{len(session.outcomes) - failed} passed, {failed} failed", flush=True)
    return 1 if failed else 0
