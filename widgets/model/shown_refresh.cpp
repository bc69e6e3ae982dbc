#include "model/shown_refresh.h"

#include <QEvent>
#include <QMetaObject>

namespace gsui {

ShownRefresh::ShownRefresh(QObject* view, std::function<bool()> inSight, std::function<void()> refresh)
    : QObject(view), m_view(view), m_inSight(std::move(inSight)), m_refresh(std::move(refresh))
{
    view->installEventFilter(this);
}

void ShownRefresh::request()
{
    hookDock();
    const bool inSight = m_inSight();
    if (!inSight && (m_everInSight || m_dockHidden)) {
        m_stale = true;
        return;
    }
    m_everInSight = m_everInSight || inSight;
    m_stale = false;
    m_refresh();
}

void ShownRefresh::hookDock()
{
    // Once the view sits where it will live: at its first Show or its first request.
    if (m_hooked)
        return;
    m_hooked = true;
    for (QObject* p = m_view->parent(); p; p = p->parent())
        if (p->metaObject()->indexOfSignal("visibilityChanged(bool)") >= 0) {
            connect(p, SIGNAL(visibilityChanged(bool)), this, SLOT(onVisibilityChanged(bool)));
            return;
        }
}

bool ShownRefresh::eventFilter(QObject* watched, QEvent* event)
{
    if (event->type() == QEvent::Show) {
        hookDock();
        cameBack();
    }
    return QObject::eventFilter(watched, event);
}

void ShownRefresh::onVisibilityChanged(bool visible)
{
    m_dockHidden = !visible;
    if (visible)
        cameBack();
}

void ShownRefresh::cameBack()
{
    if (m_stale) {
        m_stale = false;
        m_refresh();
    }
}

} // namespace gsui
