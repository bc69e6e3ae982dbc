// Session files (*.gruscope.json): everything needed to come back to the same picture — the
// arguments (as Keras's get_config dict), the weights, the input, the mask, the initial state,
// the call settings (training, dropout seed, backend) and the view state (step, sample, unit,
// plotted units, dock layout). Arrays are stored as base64 of their little-endian bytes so values
// come back bit for bit. Saving is atomic; reading checks every field and names the first problem.
#pragma once

#include "model/document.h"

#include <QByteArray>
#include <QString>

namespace gsui {

constexpr const char* kSessionFormat = "gruscope-session";
constexpr int kSessionVersion = 1;

struct SessionExtras {
    QByteArray windowState; // QMainWindow::saveState(), optional
    int viewTab = 0;        // the central view shown
};

// The document (and extras) as session JSON.
QByteArray sessionToJson(const Document& doc, const SessionExtras& extras = {});
// Applies session JSON to the document. Throws gruscope::Error(BadFile) naming `what` and the
// field at fault; on error the document is unchanged.
void sessionFromJson(const QByteArray& json, Document& doc, SessionExtras* extras = nullptr,
                     const QString& what = QStringLiteral("session"));

void saveSession(const QString& path, const Document& doc, const SessionExtras& extras = {}); // atomic
void loadSession(const QString& path, Document& doc, SessionExtras* extras = nullptr);

} // namespace gsui
