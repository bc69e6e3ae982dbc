// The central pages in their scroll areas (FitScrollArea): a page fills the view when its minimum
// fits, and below that minimum it scrolls at exactly its minimum height. QScrollArea's own
// resizable mode held the weights page at its preferred height (here 904 px for a 642 px view in
// a 1600 × 1000 window, where 670 px is its minimum), which pushed its histograms below the fold.
#include "main_window.h"
#include "window_test_options.h"
#include "plots/compare_view.h"
#include "plots/weights_view.h"

#include <QLayout>
#include <QScrollArea>
#include <QScrollBar>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>

using namespace gsui;

namespace {

// The scroll area whose page is a T, made the current tab.
template <typename T>
QScrollArea* showPageOf(MainWindow& w)
{
    auto* views = w.findChild<QTabWidget*>(QStringLiteral("views"));
    if (!views)
        return nullptr;
    for (int i = 0; i < views->count(); ++i)
        if (auto* area = qobject_cast<QScrollArea*>(views->widget(i)); area && qobject_cast<T*>(area->widget())) {
            views->setCurrentIndex(i);
            return area;
        }
    return nullptr;
}

} // namespace

class TstGuiPages : public QObject {
    Q_OBJECT
private slots:
    void pagesFillTheViewAndScrollOnlyBelowTheirMinimum_data()
    {
        QTest::addColumn<QSize>("window");
        QTest::addColumn<bool>("weights");
        QTest::newRow("weights 1280x800") << QSize(1280, 800) << true;
        QTest::newRow("weights 1600x1000") << QSize(1600, 1000) << true;
        QTest::newRow("weights 1600x1500") << QSize(1600, 1500) << true;
        QTest::newRow("compare 1280x800") << QSize(1280, 800) << false;
        QTest::newRow("compare 1600x1000") << QSize(1600, 1000) << false;
    }
    void pagesFillTheViewAndScrollOnlyBelowTheirMinimum()
    {
        QFETCH(QSize, window);
        QFETCH(bool, weights);
        QTemporaryDir dir;
        MainWindow w(gstest::windowOptions(dir));
        w.resize(window);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QVERIFY(w.openExample(QStringLiteral("sine")));
        QScrollArea* area = weights ? showPageOf<WeightsView>(w) : showPageOf<CompareView>(w);
        QVERIFY(area);
        QTest::qWait(50); // layouts settle
        QWidget* page = area->widget();
        const int view = area->viewport()->height();
        const int least = page->layout()->totalMinimumHeightForWidth(page->width());
        QVERIFY2(page->height() == std::max(view, least),
                 qPrintable(QStringLiteral("page %1 px tall, view %2, least %3").arg(page->height()).arg(view).arg(least)));
        QVERIFY(page->width() >= area->viewport()->width());
        if (least <= view)
            QCOMPARE(area->verticalScrollBar()->maximum(), 0);
        else
            QCOMPARE(area->verticalScrollBar()->maximum(), least - view);
    }
};

QTEST_MAIN(TstGuiPages)
#include "tst_gui_pages.moc"
