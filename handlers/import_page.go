package handlers

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"rtcbill/db"
	"rtcbill/views"
)

// submitImport answers POST /apps/:sdk_app_id/import: a CSV file of the
// application's finished sessions (multipart field "file"), stored all or
// nothing by the same import as "rtcbill import". It shows the
// applications page again with the counts, or with the line and field that
// refused the file (422). Only those who may change the account can
// import. The request body limit (BodyLimit) caps the file; larger files
// go through the command line.
func (h *Handler) submitImport(c echo.Context) error {
	app, a, err := h.pageAppW(c)
	if err != nil {
		return err
	}
	fh, err := c.FormFile("file")
	if errors.Is(err, http.ErrMissingFile) || errors.Is(err, http.ErrNotMultipart) {
		return h.renderImport(c, a, http.StatusUnprocessableEntity, views.ImportFailed(app.SDKAppID, nil))
	}
	if err != nil {
		return err
	}
	f, err := fh.Open()
	if err != nil {
		return err
	}
	defer f.Close()
	res, err := h.store.ImportSessionsCSV(c.Request().Context(), app.SDKAppID, f, h.now(), nil)
	var ce *db.CSVError
	if errors.As(err, &ce) {
		return h.renderImport(c, a, http.StatusUnprocessableEntity, views.ImportFailed(app.SDKAppID, ce))
	}
	if err != nil {
		return err
	}
	return h.renderImport(c, a, http.StatusOK, views.ImportDone(app.SDKAppID, res))
}

// renderImport shows account a's applications page with the outcome of an
// import. It is renderApps with one more argument to the view.
func (h *Handler) renderImport(c echo.Context, a db.Account, status int, imp views.AppImport) error {
	ctx := c.Request().Context()
	apps, err := h.store.Apps(ctx, a.ID)
	if err != nil {
		return err
	}
	m := accountMeta(c, a, "apps", views.T(ctx, "apps.title"))
	m.Path = views.AccountURL(a.ID, "/apps") // the language switch must not repeat the upload
	p := views.NewAppsPage(m, a.ID, apps, h.now())
	return render(c, status, views.AppsAfterImport(p, imp))
}
