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

import dataclasses
import json
import logging
import re
import threading
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
from markupsafe import Markup
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

from her2scope.cohort.options import MAP_FIELDS
from her2scope.errors import ConfigError, Her2scopeError
from her2scope.render.html import environment
from her2scope.web.forms import form_errors
from her2scope.web.registry import LoadedStudy, Registry, default_roots
from her2scope.web.security import DEFAULT_MAX_BODY, BodyTooLarge, Guard
from her2scope.web.service import (
    DOWNLOADS,
    FIGURES,
    HR_FILTERS,
    LIMITED_DOWNLOADS,
    POLICIES,
    POLICY_WORDS,
    PROFILES,
    SAMPLE_TYPES,
    AnalysisOptions,
    Service,
    Superseded,
    actionability_view,
    alteration_frequencies,
    chart_style,
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
FIGURE_TYPES = {"png": "image/png", "svg": "image/svg+xml"}
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


def _options(request: Request) -> AnalysisOptions:
    try:
        return AnalysisOptions.from_query(request.query_params)
    except ConfigError as exc:  # the library's message, naming the parameter
        raise HTTPException(400, exc.one_line()) from None


async def _loaded(
    request: Request, study_id: str, opts: AnalysisOptions | None = None
) -> LoadedStudy:
    mapping = opts.mapping if opts is not None else ()
    return await run_in_threadpool(_service(request).registry.load, study_id, mapping)


_EXTERNAL_LINK = re.compile(r'<a (?![^>]*\btarget=)([^>]*\bhref="https?://)', re.IGNORECASE)


def links_in_new_tab(html: str) -> str:
    """Outside links of a report open in a new tab (``target=_blank``, ``rel=noopener``):
    inside the page's frame, PubMed or a registry would be refused by the frame policy
    and leave an error page where the report was."""

    def fix(match: re.Match[str]) -> str:
        attrs = match.group(1)
        rel = "" if re.search(r"\brel=", attrs) else 'rel="noopener noreferrer" '
        return f'<a target="_blank" {rel}{attrs}'

    return _EXTERNAL_LINK.sub(fix, html)


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
        missing_roots=registry.missing_roots,
        hidden=registry.hidden,
        broken=registry.broken,
        limited=registry.limited,
    )


CHOICES = {
    "profile": PROFILES,
    "ambiguous": POLICIES,
    "sample_type": SAMPLE_TYPES,
    "hr": HR_FILTERS,
}


async def cohort_page(request: Request) -> Response:
    study_id = _study_id(request)
    opts = _options(request)
    service = _service(request)
    mapping_error = None
    try:
        loaded = await _loaded(request, study_id, opts)
    except Her2scopeError as exc:
        if not opts.mapping:
            raise
        # a mapping the study refuses (no such column): the page without it, and why
        tried = ", ".join(f"{k}={v}" for k, v in opts.mapping)
        mapping_error = f"The mapping {tried} was not applied: {exc.one_line()}"
        opts = dataclasses.replace(opts, mapping=())
        loaded = await _loaded(request, study_id, opts)
    limitation = await run_in_threadpool(service.her2_limitation, study_id, opts)
    if limitation is not None:
        if not opts.mapping:
            service.registry.limited[study_id] = limitation
        return await _limited_page(request, loaded, opts, limitation, mapping_error)
    try:
        payload = await run_in_threadpool(service.analysis_payload, study_id, opts)
    except Her2scopeError as exc:
        # no HER2 column the engine can read (a layout no convention knows): what can be
        # shown without HER2, and the mapping form to name the column
        if not opts.mapping:
            service.registry.limited[study_id] = exc.one_line()
        return await _limited_page(request, loaded, opts, exc.one_line(), mapping_error)
    return render(
        "cohort.html.j2",
        entry=loaded.entry,
        data=payload,
        opts=opts,
        choices=CHOICES,
        words=POLICY_WORDS,
        downloads=list(DOWNLOADS),
        samples=loaded.sample_order,
        mapping=dict(opts.mapping),
        map_fields=MAP_FIELDS,
        columns=loaded.columns(),
        open_mapping=mapping_error is not None,
        mapping_error=mapping_error,
        style=chart_style(),
    )


async def _limited_page(
    request: Request,
    loaded: LoadedStudy,
    opts: AnalysisOptions,
    limitation: str,
    mapping_error: str | None = None,
) -> Response:
    """A study without HER2-0/low/positive calls: what it can show (alteration
    frequencies, survival by alteration, the HER2 status split of a binary study), what
    it cannot and why, and the form that names its columns."""
    service = _service(request)
    frequencies = await run_in_threadpool(alteration_frequencies, loaded)
    split = await run_in_threadpool(_binary_split, loaded, opts)
    has_os = any(c.upper() == "OS_MONTHS" for c in loaded.study.patients.columns) or any(
        c.upper() == "OS_MONTHS" for c in loaded.study.samples.columns
    )
    by_choices = [r for r in frequencies if r["n_altered"] > 0]
    by_choices.sort(key=lambda r: -int(r["n_altered"]))
    by = request.query_params.get("by", "")
    if by:
        by = _by(request)
    elif by_choices:
        by = "alteration:" + str(by_choices[0]["alteration"])
    survival_html = None
    if has_os and by.startswith("alteration:"):
        try:
            result = await run_in_threadpool(service.survival, loaded.entry.study_id, opts, by)
            survival_html = _ENV.get_template("survival.html.j2").render(
                view=survival_view(result),
                study_id=loaded.entry.study_id,
                query=opts.query() + "&by=" + quote(by, safe=":"),
                opts=opts,
                by=by,
                file_tag=opts.file_tag() + "_" + by.replace(":", "-"),
                charts=False,
            )
        except Her2scopeError as exc:
            survival_html = _ENV.get_template("unavailable.html.j2").render(
                what="Survival by alteration", message=exc.one_line()
            )
    return render(
        "limited.html.j2",
        entry=loaded.entry,
        opts=opts,
        limitation=limitation,
        frequencies=frequencies,
        split=split,
        has_os=has_os,
        by=by,
        by_choices=by_choices,
        survival_html=Markup(survival_html) if survival_html else None,
        open_mapping=True,
        mapping_error=mapping_error,
        choices=CHOICES,
        words=POLICY_WORDS,
        downloads=list(LIMITED_DOWNLOADS),
        samples=loaded.sample_order,
        mapping=dict(opts.mapping),
        map_fields=MAP_FIELDS,
        columns=loaded.columns(),
        n_samples=len(loaded.sample_order),
    )


def _binary_split(loaded: LoadedStudy, opts: AnalysisOptions) -> list[dict[str, Any]]:
    """HER2 calls a binary (positive/negative) study still gives, counted (empty if none)."""
    import polars as pl

    from her2scope.her2 import classify
    from her2scope.study.conventions import BINARY_CODE

    if not loaded.study.audit.by_code(BINARY_CODE):
        return []
    calls = classify(loaded.study.samples, profile=opts.profile, ambiguous=opts.ambiguous)
    counts = (
        calls.table.group_by("her2_category").agg(pl.len().alias("n")).sort("n", descending=True)
    )
    total = int(counts["n"].sum()) or 1
    return [
        {"category": str(c), "n": int(n), "pct": round(100.0 * int(n) / total, 1)}
        for c, n in counts.iter_rows()
    ]


async def analysis_json(request: Request) -> Response:
    study_id = _study_id(request)
    opts = _options(request)
    started = time.perf_counter()
    payload = await run_in_threadpool(_service(request).analysis_payload, study_id, opts)
    body = {**payload, "server_ms": round((time.perf_counter() - started) * 1000.0, 1)}
    return JSONResponse(body)


async def altered_json(request: Request) -> Response:
    """``?alteration=ID`` + the cohort options -> the analysed samples carrying it."""
    study_id = _study_id(request)
    opts = _options(request)
    alteration = request.query_params.get("alteration", "")
    if not re.fullmatch(r"[A-Za-z0-9_]{1,64}", alteration):
        raise HTTPException(400, "alteration must be a catalog alteration id or class")
    try:
        rows = await run_in_threadpool(
            _service(request).altered_samples, study_id, opts, alteration
        )
    except KeyError:
        raise HTTPException(404, "No such alteration in the catalog.") from None
    # a 250,000-sample cohort can have 100,000 carriers: the list shows the first ones
    return JSONResponse(
        {
            "alteration": alteration,
            "n": len(rows),
            "samples": rows[:ALTERED_LIMIT],
            "reading_query": opts.reading_query(),
        }
    )


ALTERED_LIMIT = 5000


async def figure(request: Request) -> Response:
    study_id = _study_id(request)
    name = str(request.path_params["name"])
    if name not in FIGURES:
        raise HTTPException(404, "No such figure.")
    fmt = str(request.path_params.get("fmt", "png"))
    if fmt not in FIGURE_TYPES:
        raise HTTPException(404, "No such figure format.")
    opts = _options(request)
    by = _by(request)
    view = request.query_params.get("view", "")[:64]
    service = _service(request)
    service.want(view, study_id, opts)
    if view and await request.is_disconnected():
        return Response(status_code=204)  # the page gave up on it before it was started
    try:
        data = await run_in_threadpool(service.figure, study_id, opts, name, view, by, fmt)
    except Superseded:
        # the page asked for other settings meanwhile: nothing drawn, nothing to show
        return Response(status_code=204, headers={"x-her2scope": "superseded"})
    return Response(data, media_type=FIGURE_TYPES[fmt])


def _by(request: Request) -> str:
    """``by`` of the survival views: ``her2`` or ``alteration:ID`` (a catalog id)."""
    raw = request.query_params.get("by", "") or "her2"
    if raw == "her2":
        return raw
    if raw.startswith("alteration:") and re.fullmatch(r"alteration:[A-Za-z0-9_]{1,64}", raw):
        from her2scope.alterations import load_catalog

        if raw.split(":", 1)[1] in load_catalog().ids:
            return raw
    raise HTTPException(400, "by must be her2 or alteration:ID with a catalog alteration id")


async def _fragment(
    request: Request, what: str, compute: str, template: str, view: Callable[[Any], Any]
) -> Response:
    """A study section computed by the service (``compute``: its method name), or the
    section's "unavailable" note with the reason when the study cannot support it."""
    study_id = _study_id(request)
    opts = _options(request)
    service = _service(request)
    args: tuple[Any, ...] = (study_id, opts)
    by = "her2"
    if compute == "survival":
        by = _by(request)
        args = (study_id, opts, by)
    token = request.query_params.get("view", "")[:64]
    service.want(token, study_id, opts)
    if token and await request.is_disconnected():
        return Response(status_code=204)  # the page gave up on it before it was started

    def run() -> Any:
        # a section the page has moved on from while it waited for a thread: not computed
        if service.superseded(token, study_id, opts):
            raise Superseded(what)
        return getattr(service, compute)(*args)

    try:
        result = await run_in_threadpool(run)
    except Superseded:
        return Response(status_code=204, headers={"x-her2scope": "superseded"})
    except Her2scopeError as exc:
        return render("unavailable.html.j2", what=what, message=exc.one_line())
    extra = f"&by={quote(by, safe=':')}" if by != "her2" else ""
    return render(
        template,
        view=view(result),
        study_id=study_id,
        query=opts.query() + extra,
        opts=opts,
        by=by,
        file_tag=opts.file_tag(),
        # the cohort page draws the Kaplan-Meier curves itself from the fragment's data
        charts=request.query_params.get("charts") == "1",
    )


async def actionability_fragment(request: Request) -> Response:
    return await _fragment(
        request, "Actionability", "actionability", "actionability.html.j2", actionability_view
    )


async def switching_fragment(request: Request) -> Response:
    return await _fragment(request, "Switching", "switching", "switching.html.j2", switching_view)


async def survival_fragment(request: Request) -> Response:
    return await _fragment(request, "Survival", "survival", "survival.html.j2", survival_view)


async def download(request: Request) -> Response:
    study_id = _study_id(request)
    name = str(request.path_params["name"])
    media = DOWNLOADS.get(name) or LIMITED_DOWNLOADS.get(name)
    if media is None:
        raise HTTPException(404, "No such download.")
    opts = _options(request)
    by = _by(request)
    data = await run_in_threadpool(_service(request).download, study_id, opts, name, by)
    stem, _, ext = name.partition(".")
    tag = opts.file_tag() if name != "frequencies.tsv" else "all-samples"
    if by != "her2":
        tag += "_" + by.replace(":", "-")
    filename = f"{study_id}_{tag}_{stem}.{ext}"
    return Response(
        data,
        media_type=media,
        headers={"content-disposition": f'attachment; filename="{filename}"'},
    )


async def sample_lookup(request: Request) -> Response:
    """``?sample=ID`` (the search box) -> the sample's page."""
    study_id = _study_id(request)
    opts = _options(request)
    loaded = await _loaded(request, study_id, opts)
    sample_id = _sample_id(loaded, request.query_params.get("sample", "").strip())
    url = f"/study/{quote(study_id, safe='')}/sample/{quote(sample_id, safe='')}"
    return RedirectResponse(f"{url}?{opts.reading_query()}", status_code=303)


async def sample_route(request: Request) -> Response:
    """``/study/ID/sample/SAMPLE`` and ``.../SAMPLE/report.FMT``; a sample id may hold
    "/" (it is looked up in the study's list, never used as a path)."""
    raw = str(request.path_params["sample_id"])
    study_id = _study_id(request)
    opts = _options(request)
    loaded = await _loaded(request, study_id, opts)
    if raw in loaded.sample_ids:
        return await sample_page(request, loaded, raw, opts)
    head, sep, tail = raw.rpartition("/report.")
    if sep and head in loaded.sample_ids:
        return await sample_report(request, loaded, head, tail, opts)
    raise HTTPException(404, "No sample with this id in the study.")


async def sample_page(
    request: Request, loaded: LoadedStudy, sample_id: str, opts: AnalysisOptions
) -> Response:
    report = await run_in_threadpool(_service(request).sample_report, loaded, sample_id, opts)
    return render(
        "sample.html.j2",
        entry=loaded.entry,
        sample_id=sample_id,
        her2=report.her2,
        top=report.options[:3],
        opts=opts,
        choices=CHOICES,
        words=POLICY_WORDS,
        query=opts.reading_query(),
        cohort_query=opts.query(),
    )


async def sample_report(
    request: Request, loaded: LoadedStudy, sample_id: str, fmt: str, opts: AnalysisOptions
) -> Response:
    if fmt not in REPORT_FORMATS:
        raise HTTPException(404, "No such report format.")
    report = await run_in_threadpool(_service(request).sample_report, loaded, sample_id, opts)
    from her2scope.tumorboard import views as render_patient

    text = render_patient.render(report, fmt)
    if fmt == "html":
        text = links_in_new_tab(text)
    headers = {}
    if request.query_params.get("download"):
        safe = "".join(c if c.isalnum() or c in "._-" else "_" for c in sample_id)[:100]
        headers["content-disposition"] = f'attachment; filename="{safe}_report.{fmt}"'
    return Response(text, media_type=REPORT_FORMATS[fmt], headers=headers)


async def patient_form(request: Request) -> Response:
    return render("patient.html.j2", profiles=PROFILES, policies=POLICIES, words=POLICY_WORDS)


async def patient_schema(request: Request) -> Response:
    from her2scope.tumorboard.patient_file import patient_json_schema

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
        from her2scope.tumorboard import views as render_patient
        from her2scope.tumorboard.patient_file import profile_from_mapping

        problems = form_errors(data)
        if problems:
            return {"ok": False, "error": problems[0]["message"], "errors": problems}
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
            "html": links_in_new_tab(render_patient.render_html(report)),
            "markdown": render_patient.render_markdown(report),
            "json": render_patient.render_json(report),
        }

    try:
        body = await run_in_threadpool(build)
    except Her2scopeError as exc:
        # the patient did not validate: an answer of this endpoint, not a failed request
        # (a 4xx would also put a network error in the browser console of every typo)
        message = exc.one_line()
        return JSONResponse(
            {"ok": False, "error": message, "errors": [{"field": "", "message": message}]}
        )
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

    A study that cannot be read or analysed is logged in one line and marked
    (the home page says so) and the next one is loaded; a study without
    HER2-0/low/positive calls is marked as such. Then ``gc.freeze()``: the
    loaded studies and the knowledge base are long-lived objects, and without
    it every full collection walks all of them again (pauses of tens of
    milliseconds in the middle of a re-analysis).
    """
    import gc

    registry = service.registry
    for study_id in list(registry.entries):
        try:
            opts = AnalysisOptions()
            limitation = service.her2_limitation(study_id, opts)
            if limitation is not None:
                registry.limited[study_id] = limitation
                continue
            service.analysis_payload(study_id, opts)
        except Her2scopeError as exc:
            if study_id in registry.broken:  # the study itself could not be read
                log.warning("study %s not pre-loaded: %s", study_id, exc.one_line()[:300])
            else:  # read, but no HER2 call can be made: its page shows what it can
                registry.limited[study_id] = exc.one_line()
        except Exception as exc:
            reason = (
                exc.one_line()
                if isinstance(exc, Her2scopeError)
                else f"{type(exc).__name__}: {exc}"
            )
            registry.broken.setdefault(study_id, reason[:300])
            log.warning("study %s not pre-loaded: %s", study_id, reason[:300])
    try:
        service.matcher()
    except Exception as exc:
        log.warning("knowledge base not pre-loaded: %s", exc)
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
    from her2scope.study.fetch import cache_dir

    registry = Registry(default_roots(studies), cache_root=cache_dir())
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
        Route("/study/{study_id}/altered.json", altered_json),
        Route("/study/{study_id}/figure/{name}.{fmt}", figure),
        Route("/study/{study_id}/switching", switching_fragment),
        Route("/study/{study_id}/actionability", actionability_fragment),
        Route("/study/{study_id}/survival", survival_fragment),
        Route("/study/{study_id}/download/{name}", download),
        Route("/study/{study_id}/sample", sample_lookup),
        Route("/study/{study_id}/sample/{sample_id:path}", sample_route),
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
    if host in ("0.0.0.0", "::") and not allowed_hosts:
        hosts.add("*")  # bound to every address with no host named: any Host header
    return Guard(app, allowed_hosts=hosts, error=error_response, max_body=max_body)
