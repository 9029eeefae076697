"""Build script for the jupyter-mlops distribution (Python package + JupyterLab extension)."""

from __future__ import annotations

from pathlib import Path

from setuptools import find_packages, setup

HERE = Path(__file__).parent
LABEXTENSION_NAME = "jupyter-mlops"
LABEXTENSION_BUILD = HERE / "jupyter_mlops" / "labextension"


def labextension_data_files() -> list[tuple[str, list[str]]]:
    """Ship the built JupyterLab extension and the server-extension switch inside the wheel."""
    target_root = f"share/jupyter/labextensions/{LABEXTENSION_NAME}"
    data_files: list[tuple[str, list[str]]] = [
        ("etc/jupyter/jupyter_server_config.d", ["jupyter-config/server-config/jupyter_mlops.json"]),
    ]
    if (HERE / "install.json").exists():
        data_files.append((target_root, ["install.json"]))
    if LABEXTENSION_BUILD.exists():
        grouped: dict[str, list[str]] = {}
        for path in sorted(LABEXTENSION_BUILD.rglob("*")):
            if path.is_file():
                relative_dir = path.parent.relative_to(LABEXTENSION_BUILD).as_posix()
                target = target_root if relative_dir == "." else f"{target_root}/{relative_dir}"
                grouped.setdefault(target, []).append(path.relative_to(HERE).as_posix())
        data_files.extend(grouped.items())
    return data_files


setup(
    name="jupyter-mlops",
    version="0.1.0",
    description="From Jupyter notebook to tracked, tested, scheduled ML pipeline with MLflow.",
    long_description=(HERE / "README.md").read_text(encoding="utf-8"),
    long_description_content_type="text/markdown",
    license="BSD-3-Clause",
    python_requires=">=3.10",
    packages=find_packages(include=["jupyter_mlops", "jupyter_mlops.*", "converters", "converters.*"]),
    include_package_data=True,
    package_data={"converters": ["templates/*", "templates/**/*"], "jupyter_mlops": ["py.typed"]},
    data_files=labextension_data_files(),
    install_requires=[
        "jupyterlab>=4.6,<5",
        "jupyter_server>=2.21,<3",
        "mlflow[auth]>=3.17,<4",
        "papermill>=2.7,<3",
        "nbformat>=5.10,<6",
        "fastjsonschema>=2.19,<3",  # nb2prod validates against nbformat's schema without importing nbformat
        "mistune>=3,<4",  # nb2prod finds markdown headings with it (already required by nbconvert)
        "nbconvert>=7.16,<8",
        "nbclient>=0.10,<1",
        "libcst>=1.9,<2",
        "ipywidgets>=8.1,<9",
        "ipykernel>=7,<8",
        "scikit-learn>=1.9,<2",
        "click>=8.1,<9",
        "pyyaml>=6,<7",
        "croniter>=6,<8",
    ],
    extras_require={
        "test": [
            "pytest>=9,<10",
            "pytest-jupyter[server]>=0.11,<1",
            "pytest-timeout>=2.3,<3",
            "playwright>=1.65,<2",
            "jupytext>=1.19,<2",
            "hypothesis>=6.170,<7",  # property tests of the generated parity comparison
            "statsmodels>=0.15,<0.16",  # real statsmodels results in the comparison tests
            "ruff>=0.17,<0.18",
        ],
        # prefect 3.9 needs certifi>=2026.10.19 (not on this index yet);
        # prefect 3.8 breaks with fastapi>=0.150 (min_items).
        "prefect": ["prefect>=3.4,<3.9", "fastapi>=0.139,<0.150"],
        "airflow": ["apache-airflow>=3.3,<4", "apache-airflow-providers-papermill"],
    },
    entry_points={
        "console_scripts": [
            "nb2prod=converters.cli:main",
            "jupyter-mlops=jupyter_mlops.cli:main",
        ],
    },
    zip_safe=False,
)
