#include "model/backend_choice.h"

#include "model/engine_qt.h"
#include "model/run_request.h"

#include "gruscope/error.h"

#include <QObject>

#include <optional>

namespace gsui {

using namespace gruscope;

QString BackendChoice::label() const
{
    if (kind == BackendKind::Auto)
        return runsLayer ? QObject::tr("auto (runs %1)").arg(chosen) : QObject::tr("auto — nothing can run this");
    if (runsLayer)
        return name;
    return usableHere ? QObject::tr("%1 — cannot run this layer").arg(name) : QObject::tr("%1 — not available here").arg(name);
}

QString BackendChoice::tooltip() const
{
    QString tip = QStringLiteral("<b>%1</b>: %2").arg(name, summary.toHtmlEscaped());
    if (kind == BackendKind::Auto && runsLayer)
        tip += QObject::tr("<br>Here it runs <b>%1</b> for this layer.").arg(chosen);
    else if (runsLayer)
        tip += QObject::tr("<br>Can run this layer here.");
    else
        tip += QObject::tr("<br>Cannot run this layer here: %1").arg(why.toHtmlEscaped());
    return tip;
}

std::vector<BackendChoice> backendChoices(const Document& doc)
{
    std::vector<BackendChoice> out;
    BackendChoice automatic;
    automatic.kind = BackendKind::Auto;
    automatic.name = QString::fromLatin1(backendName(BackendKind::Auto));
    automatic.summary = QObject::tr("what Keras would run here: cuDNN when the layer is eligible and a GPU is present, "
                                    "else the generic loop on the GPU, else on the CPU");
    automatic.usableHere = true;
    out.push_back(automatic);
    for (const BackendDescription& d : describeBackends()) {
        BackendChoice c;
        c.kind = d.kind;
        c.name = qs(d.name);
        c.summary = qs(d.summary);
        c.usableHere = d.usable;
        out.push_back(c);
    }

    // The layer and the call as the next run would make them; a problem with either is what
    // every choice would run into, so it is every choice's reason.
    QString problem;
    std::optional<GruLayer> layer;
    CallInputs inputs;
    if (!doc.configValid()) {
        problem = QObject::tr("the arguments are invalid");
    } else {
        try {
            const RunRequest rq = makeRunRequest(doc);
            layer.emplace(rq.config, *rq.weights);
            inputs = callInputsFor(rq, nullptr);
        } catch (const std::exception& e) {
            problem = errorText(e);
        }
    }
    for (BackendChoice& c : out) {
        if (!problem.isEmpty()) {
            c.why = problem;
            continue;
        }
        try {
            const BackendSupport s = layer->supports(inputs, c.kind);
            c.runsLayer = s.ok;
            if (c.kind == BackendKind::Auto && s.ok)
                c.chosen = qs(s.reason); // auto's "why yes" is the backend it resolves to
            else if (!s.ok)
                c.why = qs(s.reason);
        } catch (const std::exception& e) {
            c.why = errorText(e);
        }
    }
    return out;
}

} // namespace gsui
