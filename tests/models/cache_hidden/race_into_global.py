"""Found by a review (stop 26): whether
the NMI reports depends on the order of two steps; the report goes into a global of
the model file through a method, so the two orders reach the same key and the order
that reports is cut.

OUTCOMES
"""

import rasmodel as rm

model = rm.Model("race-into-global")
reports = 0


class Ghes:
    def report(self):
        global reports
        reports += 1


@model.build
def build(env):
    global reports
    reports = 0
    ghes = Ghes()
    masked = env.var("masked", False)

    def nmi():
        if masked.value:  # the NMI hit while the CPU had errors masked
            ghes.report()
        yield env.pause("nmi exit")

    def cpu():
        masked.value = True
        yield env.pause("masked")
        yield env.pause("work")

    env.process(nmi(), name="nmi")
    env.process(cpu(), name="cpu")
    return masked


@model.final
def no_report_while_masked(masked, params):
    assert reports == 0, f"reports={reports}"
