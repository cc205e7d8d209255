"""Found by a review (stop 26), with the models of a global changed through a
method: whether the NMI reports depends on the order of two steps, and the report
goes into a global of the model file through a method. The reviewer expected the two
orders to reach one key; they do not (the step that reads `masked` keeps them
apart), and `--cache on` agreed with plain enumeration before the fix too
(no_report_while_masked violated): kept as the interleaving case of that family.

    rasmodel check race_into_global.py --cache on   # no_report_while_masked violated
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
