import typer

app = typer.Typer(help="Tamper-evident audit log: seal, verify, export.", no_args_is_help=True)
