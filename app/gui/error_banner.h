// ErrorBanner: the line above the views that says why the last run or file failed while the
// plots keep the previous result. It follows the application's theme: its colours are restyled
// whenever the application palette changes, also while it is shown.
#pragma once

#include <QLabel>

namespace gsui {

class ErrorBanner : public QLabel {
    Q_OBJECT
public:
    explicit ErrorBanner(QWidget* parent = nullptr);

    void showMessage(const QString& text);
    // The shown message; "" while hidden.
    QString message() const { return isHidden() ? QString() : text(); }

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void restyle();
};

} // namespace gsui
