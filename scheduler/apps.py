from django.apps import AppConfig


class SchedulerConfig(AppConfig):
    name = "scheduler"

    def ready(self) -> None:
        # Before any URLconf is imported: every app's urls.py uses `<id:...>`.
        from scheduler.converters import register

        register()
