"""agenda_exports"""

from fastapi import APIRouter

router = APIRouter()
