from .checked_decord import CheckedDecordDecode, CheckedDecordInit

__all__ = ['CheckedDecordInit', 'CheckedDecordDecode']
