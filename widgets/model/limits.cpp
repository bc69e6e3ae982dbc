#include "model/limits.h"

namespace gsui {

WindowLimits defaultWindowLimits()
{
    WindowLimits l;
    const gruscope::ParseOptions env = gruscope::defaultParseOptions();
    l.isolateFiles = env.isolate;
    l.parseTimeoutSeconds = env.timeoutSeconds;
    return l;
}

WindowLimits& windowLimits()
{
    static WindowLimits limits = defaultWindowLimits();
    return limits;
}

gruscope::ParseOptions windowParseOptions()
{
    gruscope::ParseOptions o = gruscope::defaultParseOptions();
    const WindowLimits& l = windowLimits();
    o.limits.maxElements = l.maxElements;
    o.isolate = l.isolateFiles;
    o.timeoutSeconds = l.parseTimeoutSeconds;
    return o;
}

} // namespace gsui
