"""public_agenda"""

from fastapi import APIRouter

router = APIRouter()
