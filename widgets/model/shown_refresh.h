// ShownRefresh: a view's refresh that waits while the view is out of sight.
//
// A dock tabbed behind another, a closed dock or a page of a tab widget is out of sight while its
// window is on screen. Recomputing it at every step (the equations, bars, cursors, heat maps)
// costs the step that the user is watching; so request() runs the refresh at once when the view
// can be seen, and otherwise only marks it stale and runs it when the view comes back: on a Show
// event (tab pages, reopened docks) or when its dock says it became visible. (A dock tabbed
// behind another stays QWidget-visible in Qt; only its visibilityChanged(bool) signal and its
// empty visible region tell.)
//
// A view is only ever deferred once it has been in sight, or its dock has said it is hidden: a
// view that was never on screen (tests, off-screen rendering, a window not yet exposed) has
// nobody to wait for, and request() runs at once, so what it reports stays current.
//
// Qt Core only (the view's visibility comes in as a function), so plots and panels share it
// through the model layer.
#pragma once

#include <QObject>

#include <functional>

namespace gsui {

class ShownRefresh : public QObject {
    Q_OBJECT
public:
    // `view` is watched for Show events. `inSight()`: the view is visible and not covered (for a
    // widget: isVisible() && !visibleRegion().isEmpty()). When several are made on one view, the
    // last made runs first when it comes back.
    ShownRefresh(QObject* view, std::function<bool()> inSight, std::function<void()> refresh);

    void request();
    bool stale() const { return m_stale; }
    // Runs a pending refresh now: for whoever reads the view while it is out of sight (an export).
    void flush() { cameBack(); }

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private slots:
    void onVisibilityChanged(bool visible);

private:
    void cameBack();
    void hookDock(); // the nearest ancestor with a visibilityChanged(bool) signal (a QDockWidget)

    QObject* m_view;
    std::function<bool()> m_inSight;
    std::function<void()> m_refresh;
    bool m_stale = false, m_everInSight = false, m_dockHidden = false, m_hooked = false;
};

} // namespace gsui
