"""The check the contract tests share: a registered part derives from its base and implements it."""
import inspect


def assert_keeps_the_contract(cls, base) -> None:
    """``cls`` derives from the abstract ``base``, can be built, and defines each of
    the base's abstract methods itself (or in a parent below the base)."""
    assert issubclass(cls, base), f'{cls.__name__} does not derive from {base.__name__}'
    assert not inspect.isabstract(cls), f'{cls.__name__} leaves {sorted(cls.__abstractmethods__)} abstract'
    for method in base.__abstractmethods__:
        assert getattr(cls, method) is not getattr(base, method), f'{cls.__name__}.{method}'
