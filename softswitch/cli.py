"""The ``softswitch`` command: compile P4 programs, run STF tests, run a switch on interfaces."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="fantel's embedded P4 target: a P4_16 compiler front-end and a v1model software switch.",
)

IncludeOpt = Annotated[
    list[Path] | None, typer.Option("-I", "--include", help="Extra #include directory.")
]
DefineOpt = Annotated[
    list[str] | None,
    typer.Option("-D", "--define", help="Preprocessor define, NAME or NAME=VALUE."),
]


@app.command("compile")
def compile_program(
    program: Annotated[Path, typer.Argument(help="The P4_16 program to compile.")],
    p4info: Annotated[
        Path | None,
        typer.Option(help="Write P4Info here; text for .txt/.txtpb/.pb.txt, binary for .bin/.pb."),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(help="Directory for PROGRAM.p4info.txtpb and PROGRAM.p4info.binpb."),
    ] = None,
    include: IncludeOpt = None,
    define: DefineOpt = None,
) -> None:
    """Check PROGRAM and emit its P4Info; errors print as file:line:col and exit with status 1."""
    from softswitch.frontend.compiler import compile_file
    from softswitch.frontend.diagnostics import CompileError, format_diagnostics
    from softswitch.frontend.p4info import build_p4info, write_p4info

    try:
        checked = compile_file(program, include_dirs=include or (), defines=define or ())
        info = build_p4info(checked)
    except CompileError as err:
        typer.echo(format_diagnostics(err.diagnostics), err=True)
        raise typer.Exit(1) from None
    except OSError as err:
        typer.echo(f"{program}: error: {err.strerror or err}", err=True)
        raise typer.Exit(1) from None
    targets = [p4info] if p4info else []
    if out:
        out.mkdir(parents=True, exist_ok=True)
        stem = program.name.removesuffix(".p4")
        targets += [out / f"{stem}.p4info.txtpb", out / f"{stem}.p4info.binpb"]
    for target in targets:
        write_p4info(info, target)
        typer.echo(f"wrote {target}", err=True)


@app.command("stf")
def run_stf(
    program: Annotated[Path, typer.Argument(help="The P4_16 program under test.")],
    test: Annotated[Path, typer.Argument(help="The STF test (p4c simple test framework format).")],
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Print every packet.")] = False,
) -> None:
    """Run an STF test against PROGRAM; exit 1 on any mismatch, with a byte diff."""
    from softswitch.stf_runner import main_stf

    raise typer.Exit(main_stf(program, test, verbose))


@app.command(
    "run",
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
    add_help_option=False,
)
def run_switch(ctx: typer.Context) -> None:
    """Run a switch on Linux interfaces with a P4Runtime server (simple_switch_grpc options;
    `softswitch run --help` lists them)."""
    from softswitch.run import main_run

    raise typer.Exit(main_run(list(ctx.args)))


def main() -> None:
    app(prog_name="softswitch")


if __name__ == "__main__":
    main()
