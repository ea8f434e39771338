from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "yiwang.exchange"
    label = "exchange"
    verbose_name = "Data exchange"

    def ready(self) -> None:
        from yiwang.exchange.connectors import register_builtin_connectors

        register_builtin_connectors()
