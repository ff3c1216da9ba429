"""Site administration: accounts and the mail outbox."""

from fastapi import APIRouter, Request

from eventapp.routes.access import AdminUser
from eventapp.templating import render

router = APIRouter(prefix="/admin")


@router.get("/", name="admin_home")
def admin_home(request: Request, user: AdminUser):
    return render(request, "admin/home.html", {})
