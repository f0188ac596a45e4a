"""Building the ASGI application: Litestar for pages, wrapped by the edge."""

from __future__ import annotations

from litestar import Litestar, Router
from litestar.di import Provide
from litestar.exceptions import HTTPException
from litestar.static_files import create_static_files_router

from warren.accounts.controller import AccountController
from warren.chat.controller import ChatController
from warren.generation.controller import GenerationController
from warren.library.controller import LibraryController
from warren.media.controller import UploadController
from warren.paths import BASE_STATIC_DIR
from warren.privacy.controller import PrivacyController
from warren.runtime import Runtime
from warren.web.assets import brand_asset
from warren.web.csrf import csrf_guard
from warren.web.edge import ASGIApp, Edge
from warren.web.errors import http_error, server_error
from warren.web.home import home
from warren.web.page import provide_db, provide_page
from warren.web.templating import Templates

# Every body but an upload is a small form: refuse anything larger before reading it.
FORM_LIMIT = 1024 * 1024


def create_litestar(runtime: Runtime) -> Litestar:
    return Litestar(
        route_handlers=[
            home,
            brand_asset,
            AccountController,
            PrivacyController,
            GenerationController,
            # Only uploads may send large bodies (the largest any tenant accepts, plus
            # room for the form around it); each kind's own limit is checked later.
            Router(
                "/",
                route_handlers=[UploadController],
                request_max_body_size=max(t.media.largest_upload for t in runtime.registry)
                + 1024 * 1024,
            ),
            LibraryController,
            ChatController,
            create_static_files_router(path="/static", directories=[BASE_STATIC_DIR]),
        ],
        dependencies={
            "db": Provide(provide_db),
            "page": Provide(provide_page, sync_to_thread=True),
        },
        before_request=csrf_guard,
        exception_handlers={HTTPException: http_error, Exception: server_error},
        # Pages are HTML and there is no public JSON API yet: no /schema to serve.
        openapi_config=None,
        debug=False,
        # warren configures logging itself (JSON lines, no raw addresses).
        logging_config=None,
        request_max_body_size=FORM_LIMIT,
        on_shutdown=[runtime.close],
    )


def create_app(runtime: Runtime) -> ASGIApp:
    app = create_litestar(runtime)
    app.state.runtime = runtime
    app.state.templates = Templates(runtime.registry, runtime.settings.tenants_dir)
    return Edge(app, runtime)
