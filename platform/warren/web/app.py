"""Building the ASGI application: Litestar for pages, wrapped by the edge."""

from __future__ import annotations

from litestar import Litestar, Router
from litestar.di import Provide
from litestar.exceptions import HTTPException
from sqlalchemy.exc import DBAPIError

from warren.errors import DomainError
from warren.paths import BASE_STATIC_DIR
from warren.runtime import Runtime
from warren.storage.base import ObjectNotFound, ObjectStoreError
from warren.web.admin_context import AdminSignInRequired, admin_sign_in_required, require_admin
from warren.web.context import (
    SignInRequired,
    TwoFactorEnrolmentRequired,
    provide_ctx,
    provide_db,
    require_user,
)
from warren.web.csrf import csrf_guard
from warren.web.edge import ASGIApp, Edge
from warren.web.errors import (
    database_error,
    domain_error,
    enrolment_required,
    http_error,
    object_missing,
    server_error,
    sign_in_required,
    storage_down,
)
from warren.web.forms import provide_form
from warren.web.handlers.account_deletion import AccountDeletionController
from warren.web.handlers.account_export import AccountExportController
from warren.web.handlers.account_links import AccountLinkController
from warren.web.handlers.account_orders import AccountOrdersController
from warren.web.handlers.account_requests import AccountRequestsController
from warren.web.handlers.account_restriction import AccountRestrictionController
from warren.web.handlers.account_security import AccountSecurityController
from warren.web.handlers.accounts import AccountController
from warren.web.handlers.admin_audit import AdminAuditController
from warren.web.handlers.admin_config import AdminConfigController
from warren.web.handlers.admin_console import AdminConsoleController
from warren.web.handlers.admin_moderation import AdminModerationController
from warren.web.handlers.admin_requests import AdminRequestsController
from warren.web.handlers.admin_users import AdminUsersController
from warren.web.handlers.chat import ChatController
from warren.web.handlers.generation import GenerationController, OrderUploadController
from warren.web.handlers.home import (
    brand_asset,
    favicon,
    home,
    manifest,
    touch_icon,
)
from warren.web.handlers.language import LanguageController
from warren.web.handlers.library import LibraryController
from warren.web.handlers.payments import PaymentController
from warren.web.handlers.privacy import PrivacyController
from warren.web.handlers.request_confirmation import RequestConfirmationController
from warren.web.handlers.share import ShareController
from warren.web.handlers.static import static_file
from warren.web.handlers.two_factor import TwoFactorController
from warren.web.handlers.uploads import UploadController
from warren.web.hashing_admission import HashingDoor
from warren.web.static import StaticAssets
from warren.web.templating import Templates

# Every body but an upload is a small form: refuse anything larger before reading it.
FORM_LIMIT = 1024 * 1024


def create_litestar(runtime: Runtime) -> Litestar:
    door = HashingDoor(
        runtime.settings.password_hashing_running + runtime.settings.password_hashing_waiting
    )
    app = Litestar(
        route_handlers=[
            home,
            brand_asset,
            touch_icon,
            favicon,
            manifest,
            AccountController,
            AccountLinkController,
            AccountSecurityController,
            AccountDeletionController,
            AccountExportController,
            AccountRestrictionController,
            AccountRequestsController,
            AccountOrdersController,
            TwoFactorController,
            PrivacyController,
            LanguageController,
            RequestConfirmationController,
            GenerationController,
            # Only uploads may send large bodies (the largest any tenant accepts, plus
            # room for the form around it); each kind's own limit is checked later.
            Router(
                "/",
                route_handlers=[UploadController, OrderUploadController],
                request_max_body_size=max(t.media.largest_upload for t in runtime.registry)
                + 1024 * 1024,
            ),
            LibraryController,
            ChatController,
            PaymentController,
            ShareController,
            AdminConsoleController,
            AdminUsersController,
            AdminRequestsController,
            AdminAuditController,
            AdminModerationController,
            AdminConfigController,
            static_file,
        ],
        dependencies={
            "db": Provide(provide_db),
            "ctx": Provide(provide_ctx),
            "user": Provide(require_user, sync_to_thread=False),
            "admin": Provide(require_admin, sync_to_thread=True),
            "form": Provide(provide_form),
        },
        before_request=csrf_guard,
        exception_handlers={
            DomainError: domain_error,
            SignInRequired: sign_in_required,
            AdminSignInRequired: admin_sign_in_required,
            TwoFactorEnrolmentRequired: enrolment_required,
            ObjectNotFound: object_missing,
            ObjectStoreError: storage_down,
            DBAPIError: database_error,
            HTTPException: http_error,
            Exception: server_error,
        },
        # Pages are HTML and there is no public JSON API: no /schema to serve.
        openapi_config=None,
        debug=False,
        # warren configures logging itself (JSON lines, no raw addresses).
        logging_config=None,
        request_max_body_size=FORM_LIMIT,
        middleware=[door.middleware],
        # Published configuration versions reach this process within a poll interval;
        # started with the server (not when the app is built), stopped by runtime.close.
        on_startup=[door.grow_thread_pool, runtime.watch_registry],
        on_shutdown=[runtime.close],
    )
    app.state.runtime = runtime
    app.state.static = StaticAssets(BASE_STATIC_DIR)
    app.state.templates = Templates(
        runtime.registry, runtime.settings.tenants_dir, app.state.static.url
    )
    return app


def create_app(runtime: Runtime) -> ASGIApp:
    return Edge(create_litestar(runtime), runtime)
