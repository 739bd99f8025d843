app_name = "reports"
# Portal pages for reports (list, detail, submit) are added here.
urlpatterns: list = []
