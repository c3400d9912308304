from .checked_decord import CheckedDecordInit

__all__ = ['CheckedDecordInit']
