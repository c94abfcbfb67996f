"""The exercise checks accept right answers and explain the common wrong ones."""
import pytest
import torch

from invlab import coursework
from invlab.regularisers import soft_threshold


def tikhonov_right(A, y, lam):
    a = A.spectrum
    return torch.fft.irfft2(a.conj() * torch.fft.rfft2(y) / (a.abs() ** 2 + lam), s=y.shape[-2:])


def tikhonov_no_conj(A, y, lam):
    a = A.spectrum
    return torch.fft.irfft2(a * torch.fft.rfft2(y) / (a.abs() ** 2 + lam), s=y.shape[-2:])


def tikhonov_complex(A, y, lam):
    return torch.fft.ifft2(torch.fft.fft2(y))


def test_tikhonov_check(capsys):
    assert coursework.check_tikhonov_fourier(tikhonov_right) is None
    assert "correct" in capsys.readouterr().out
    assert coursework.check_tikhonov_fourier(tikhonov_no_conj) is None
    assert "conjugate" in capsys.readouterr().out
    assert coursework.check_tikhonov_fourier(tikhonov_complex) is None
    assert "complex" in capsys.readouterr().out
    assert coursework.check_tikhonov_fourier(lambda A, y, lam: 1 / 0) is None
    assert "ZeroDivisionError" in capsys.readouterr().out
    with pytest.raises(AssertionError, match="conjugate"):
        coursework.check_tikhonov_fourier(tikhonov_no_conj, raise_on_fail=True)


def test_ista_check(capsys):
    def right(x, A, y, lam, step):
        return soft_threshold(x - step * A.adjoint(A(x) - y), step * lam)

    def no_prox(x, A, y, lam, step):
        return x - step * A.adjoint(A(x) - y)

    def wrong_threshold(x, A, y, lam, step):
        return soft_threshold(x - step * A.adjoint(A(x) - y), lam)

    def wrong_sign(x, A, y, lam, step):
        return soft_threshold(x + step * A.adjoint(A(x) - y), step * lam)

    assert coursework.check_ista_step(right) is None
    assert "✓ ista_step: correct" in capsys.readouterr().out
    for fn, hint in ((no_prox, "soft thresholding"), (wrong_threshold, "step * lam"), (wrong_sign, "sign error")):
        assert coursework.check_ista_step(fn) is None
        assert hint in capsys.readouterr().out
