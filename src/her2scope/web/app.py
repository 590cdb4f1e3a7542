"""The Starlette application of ``her2scope serve``.

Pages (HTML, jinja2 with autoescaping everywhere):

- ``/``: the studies found under the configured roots, and the patient form.
- ``/study/{id}``: the cohort page: HER2 distribution, controls (profile,
  ambiguity policy, sample type, HR), the HER2-low x alteration table, figures,
  switching and survival, downloads. ``analysis.json`` gives what a control
  change needs (HER2 calls + table only; the figures, switching and survival
  load on their own).
- ``/study/{id}/sample/{sample}``: the tumor-board report of one sample.
- ``/patient/new``: a form for a new patient; ``POST /patient/report`` takes
  the patient file as JSON (the schema of ``her2scope report --schema``) and
  answers with the report as HTML, Markdown and JSON, or the schema's
  one-line error.

Every id from a URL is looked up in the registry (studies) or the loaded
study's sample list and never used as a path; errors are friendly pages
without tracebacks; see :mod:`her2scope.web.security` for the request guard.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import (
    HTMLResponse,
    JSONResponse,
    RedirectResponse,
    Response,
)
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Scope

from her2scope.errors import Her2scopeError
from her2scope.report.html import environment
from her2scope.web.registry import LoadedStudy, Registry, default_roots
from her2scope.web.security import DEFAULT_MAX_BODY, BodyTooLarge, Guard
from her2scope.web.service import (
    DOWNLOADS,
    FIGURES,
    HR_FILTERS,
    POLICIES,
    PROFILES,
    SAMPLE_TYPES,
    BadOption,
    CohortOptions,
    Service,
    survival_view,
    switching_view,
)

log = logging.getLogger("her2scope.web")

HERE = Path(__file__).resolve().parent
REPORT_FORMATS = {
    "html": "text/html; charset=utf-8",
    "md": "text/markdown; charset=utf-8",
    "json": "application/json",
}
STATUS_TITLES = {
    400: "Bad request",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    413: "Request too large",
    415: "Unsupported media type",
    500: "Something went wrong",
}
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")

# the report layer's one environment, overlaid with the web templates' folder
_ENV = environment().overlay(loader=jinja2.FileSystemLoader(HERE / "templates"))
# its own copy of the filters: an overlay shares the dict with the base environment
_ENV.filters = {**_ENV.filters, "q": lambda value: quote(str(value), safe="")}


def render(template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    html = _ENV.get_template(template).render(**context)
    return HTMLResponse(html, status_code=status_code)


def _wants_json(scope: Scope) -> bool:
    path = str(scope.get("path", ""))
    return path.endswith(".json") or path == "/patient/report"


def error_response(scope: Scope, status: int, message: str) -> Response:
    """A friendly error: a small page, or ``{"ok": false, "error": ...}`` for the JSON routes."""
    title = STATUS_TITLES.get(status, "Error")
    if _wants_json(scope):
        return JSONResponse({"ok": False, "error": message, "status": status}, status_code=status)
    return render("error.html.j2", status, title=title, status=status, message=message)


def _service(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


def _study_id(request: Request) -> str:
    """The study id of the URL, if it names a known study (404 otherwise)."""
    study_id = str(request.path_params["study_id"])
    if _service(request).registry.entry(study_id) is None:
        raise HTTPException(404, "No study with this id is served here.")
    return study_id


def _options(request: Request) -> CohortOptions:
    try:
        return CohortOptions.from_query(request.query_params)
    except BadOption as exc:
        raise HTTPException(400, str(exc)) from None


async def _loaded(request: Request, study_id: str) -> LoadedStudy:
    return await run_in_threadpool(_service(request).registry.load, study_id)


def _sample_id(loaded: LoadedStudy, raw: str) -> str:
    if raw not in loaded.sample_ids:
        raise HTTPException(404, "No sample with this id in the study.")
    return raw


# -- pages ------------------------------------------------------------------------------------


async def index(request: Request) -> Response:
    registry = _service(request).registry
    return render(
        "index.html.j2",
        studies=sorted(registry.entries.values(), key=lambda e: e.study_id),
        roots=registry.roots,
    )


async def cohort_page(request: Request) -> Response:
    study_id = _study_id(request)
    opts = _options(request)
    service = _service(request)
    payload = await run_in_threadpool(service.analysis_payload, study_id, opts)
    loaded = await _loaded(request, study_id)
    return render(
        "cohort.html.j2",
        entry=loaded.entry,
        data=payload,
        opts=opts,
        choices={
            "profile": PROFILES,
            "ambiguous": POLICIES,
            "sample_type": SAMPLE_TYPES,
            "hr": HR_FILTERS,
        },
        downloads=list(DOWNLOADS),
        samples=loaded.sample_order,
    )


async def analysis_json(request: Request) -> Response:
    study_id = _study_id(request)
    opts = _options(request)
    started = time.perf_counter()
    payload = await run_in_threadpool(_service(request).analysis_payload, study_id, opts)
    body = {**payload, "server_ms": round((time.perf_counter() - started) * 1000.0, 1)}
    return JSONResponse(body)


async def figure(request: Request) -> Response:
    study_id = _study_id(request)
    name = str(request.path_params["name"])
    if name not in FIGURES:
        raise HTTPException(404, "No such figure.")
    opts = _options(request)
    png = await run_in_threadpool(_service(request).figure, study_id, opts, name)
    return Response(png, media_type="image/png")


async def _fragment(
    request: Request, what: str, compute: str, template: str, view: Callable[[Any], Any]
) -> Response:
    """A study section computed by the service (``compute``: its method name), or the
    section's "unavailable" note with the reason when the study cannot support it."""
    study_id = _study_id(request)
    opts = _options(request)
    try:
        result = await run_in_threadpool(getattr(_service(request), compute), study_id, opts)
    except Her2scopeError as exc:
        return render("unavailable.html.j2", what=what, message=exc.one_line())
    return render(template, view=view(result), study_id=study_id, query=opts.query())


async def switching_fragment(request: Request) -> Response:
    return await _fragment(request, "Switching", "switching", "switching.html.j2", switching_view)


async def survival_fragment(request: Request) -> Response:
    return await _fragment(request, "Survival", "survival", "survival.html.j2", survival_view)


async def download(request: Request) -> Response:
    study_id = _study_id(request)
    name = str(request.path_params["name"])
    if name not in DOWNLOADS:
        raise HTTPException(404, "No such download.")
    opts = _options(request)
    data = await run_in_threadpool(_service(request).download, study_id, opts, name)
    stem, _, ext = name.partition(".")
    filename = f"{study_id}_{opts.profile}_{opts.ambiguous}_{opts.sample_type}_{stem}.{ext}"
    return Response(
        data,
        media_type=DOWNLOADS[name],
        headers={"content-disposition": f'attachment; filename="{filename}"'},
    )


async def sample_lookup(request: Request) -> Response:
    """``?sample=ID`` (the search box) -> the sample's page."""
    study_id = _study_id(request)
    loaded = await _loaded(request, study_id)
    sample_id = _sample_id(loaded, request.query_params.get("sample", "").strip())
    url = f"/study/{quote(study_id, safe='')}/sample/{quote(sample_id, safe='')}"
    return RedirectResponse(url, status_code=303)


async def sample_page(request: Request) -> Response:
    study_id = _study_id(request)
    loaded = await _loaded(request, study_id)
    sample_id = _sample_id(loaded, str(request.path_params["sample_id"]))
    report = await run_in_threadpool(_service(request).sample_report, loaded, sample_id)
    return render(
        "sample.html.j2",
        entry=loaded.entry,
        sample_id=sample_id,
        her2=report.her2,
        top=report.options[:3],
    )


async def sample_report(request: Request) -> Response:
    study_id = _study_id(request)
    fmt = str(request.path_params["fmt"])
    if fmt not in REPORT_FORMATS:
        raise HTTPException(404, "No such report format.")
    loaded = await _loaded(request, study_id)
    sample_id = _sample_id(loaded, str(request.path_params["sample_id"]))
    report = await run_in_threadpool(_service(request).sample_report, loaded, sample_id)
    from her2scope.report import patient as render_patient

    text = render_patient.render(report, fmt)
    headers = {}
    if request.query_params.get("download"):
        safe = "".join(c if c.isalnum() or c in "._-" else "_" for c in sample_id)[:100]
        headers["content-disposition"] = f'attachment; filename="{safe}_report.{fmt}"'
    return Response(text, media_type=REPORT_FORMATS[fmt], headers=headers)


async def patient_form(request: Request) -> Response:
    return render("patient.html.j2", profiles=PROFILES, policies=POLICIES)


async def patient_schema(request: Request) -> Response:
    from her2scope.kb.patient import patient_json_schema

    return JSONResponse(patient_json_schema())


async def _json_body(request: Request) -> Any:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/json":
        raise HTTPException(415, "Send the patient as application/json.")
    try:
        raw = await request.body()
    except BodyTooLarge:
        raise HTTPException(413, "The request is too large.") from None
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise HTTPException(400, "The request is not valid JSON.") from None


async def patient_report(request: Request) -> Response:
    """The patient file as JSON in, the report (HTML, Markdown, JSON) out.

    A patient the schema refuses is answered with 200 and ``{"ok": false,
    "error": <the schema's one-line message>}``; a body that is not JSON, too
    large, or from another origin is a 4xx.
    """
    data = await _json_body(request)
    service = _service(request)

    def build() -> dict[str, Any]:
        from her2scope.kb.patient import profile_from_mapping
        from her2scope.report import patient as render_patient

        profile = profile_from_mapping(data, source="web form")
        report = service.match(profile)
        return {
            "ok": True,
            "id": report.patient_id,
            "her2": report.her2.get("category"),
            "top_options": [
                {
                    "rank": o.get("rank"),
                    "therapy": o.get("therapy"),
                    "evidence_level": o.get("evidence_level"),
                }
                for o in report.options[:3]
            ],
            "html": render_patient.render_html(report),
            "markdown": render_patient.render_markdown(report),
            "json": render_patient.render_json(report),
        }

    try:
        body = await run_in_threadpool(build)
    except Her2scopeError as exc:
        # the patient did not validate: an answer of this endpoint, not a failed request
        # (a 4xx would also put a network error in the browser console of every typo)
        return JSONResponse({"ok": False, "error": exc.one_line()})
    return JSONResponse(body)


# -- errors -----------------------------------------------------------------------------------


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    message = exc.detail if exc.status_code != 404 or exc.detail != "Not Found" else ""
    return error_response(
        request.scope, exc.status_code, message or "There is no page at this address."
    )


async def library_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Her2scopeError)
    return error_response(request.scope, 400, exc.one_line())


async def server_error(request: Request, exc: Exception) -> Response:
    log.exception("error while answering %s", request.url.path, exc_info=exc)
    return error_response(
        request.scope, 500, "The server could not answer this request; the log has the details."
    )


# -- the application --------------------------------------------------------------------------


#: seconds after start-up before the background warm-up begins: the imports and parsing it
#: does hold the GIL, and the first page should not wait for them
WARM_DELAY = 1.0


def _warm(service: Service) -> None:
    """Load every study, its default analysis and the matcher in the background.

    Then ``gc.freeze()``: the loaded studies and the knowledge base are long-lived
    objects, and without it every full collection walks all of them again (pauses
    of tens of milliseconds in the middle of a re-analysis).
    """
    import gc

    try:
        for study_id in list(service.registry.entries):
            service.analysis_payload(study_id, CohortOptions())
        service.matcher()
    except Exception:  # a broken study shows its error when its page is opened
        log.exception("warming the caches failed")
    gc.collect()
    gc.freeze()


def create_app(
    studies: Sequence[Path | str] = (),
    *,
    host: str = "127.0.0.1",
    allowed_hosts: Sequence[str] = (),
    max_body: int = DEFAULT_MAX_BODY,
    warm: bool = True,
) -> ASGIApp:
    """The ASGI app: studies under ``studies`` + ``$HER2SCOPE_STUDIES`` + the cache.

    ``host``: the address the server binds (its name is accepted in the Host
    header beside 127.0.0.1/localhost/::1; ``0.0.0.0`` accepts any).
    ``warm``: load studies and the knowledge base in a background thread
    right after start-up, so the first cohort page is fast.
    """
    registry = Registry(default_roots(studies))
    service = Service(registry)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        timer = None
        if warm:
            timer = threading.Timer(WARM_DELAY, _warm, args=(service,))
            timer.daemon = True
            timer.start()
        yield
        if timer is not None:
            timer.cancel()

    routes = [
        Route("/", index),
        Route("/patient/new", patient_form),
        Route("/patient/report", patient_report, methods=["POST"]),
        Route("/patient/schema.json", patient_schema),
        Route("/study/{study_id}", cohort_page),
        Route("/study/{study_id}/analysis.json", analysis_json),
        Route("/study/{study_id}/figure/{name}.png", figure),
        Route("/study/{study_id}/switching", switching_fragment),
        Route("/study/{study_id}/survival", survival_fragment),
        Route("/study/{study_id}/download/{name}", download),
        Route("/study/{study_id}/sample", sample_lookup),
        Route("/study/{study_id}/sample/{sample_id}", sample_page),
        Route("/study/{study_id}/sample/{sample_id}/report.{fmt}", sample_report),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    app = Starlette(
        debug=False,
        routes=routes,
        lifespan=lifespan,
        exception_handlers={
            HTTPException: http_error,
            Her2scopeError: library_error,
            Exception: server_error,
        },
    )
    app.state.service = service
    hosts = {*LOCAL_HOSTS, host.lower(), *(h.lower() for h in allowed_hosts)}
    if host in ("0.0.0.0", "::"):
        hosts.add("*")
    return Guard(app, allowed_hosts=hosts, error=error_response, max_body=max_body)
