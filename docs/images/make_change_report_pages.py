# Renders two change reports (run in an empty folder with the project venv); see docs/sharing.md.
import pathlib, sys
from atmp_desktop.core.forms import default_forms
from atmp_desktop.core.diff import compare
from atmp_desktop.export.change_report import write_change_report
from atmp_desktop.samples import load_sample
from atmp_desktop.store import ProjectFile
forms=default_forms()
d=pathlib.Path(".").resolve()
# sample 1: aav — a round of CMC changes after a milestone
p=ProjectFile.create(d/"aav.atmp", forms, document=load_sample("aav-gene-therapy"))
m=p.create_milestone("as sent to CMC lead 2027-01-10")
s=p.snapshot()
spec=s.row_ids("quality.dp_specification")
p.set_cell("quality.dp_specification", spec[0], "acceptance_criterion", "≥ 1.0 × 10¹³ vg/mL")
p.delete_rows("quality.dp_specification", [spec[-1]])
p.insert_rows("quality.dp_specification", 2, [{"test":"Empty/full capsid ratio","method":"AUC","acceptance_criterion":"≥ 70 % full","category":"purity"}])
lt=next(f.path for f in forms.all_fields() if f.type=="long_text" and s.get(f.path) and len(s.get(f.path))>400 and f.step_id=="manufacturing")
p.set_value(lt, s.get(lt).replace(". ", ". Additionally, the harvest is clarified by depth filtration. ",1))
p.set_review_status("section:3.2.P.5.1","approved","Limits agreed with QC", reviewer="QC head")
p.add_comment("quality.dp_specification","Please justify the capsid ratio limit with the PPQ batches.")
write_change_report(forms, compare(forms, p.milestone_snapshot(m), p.snapshot(), "milestone 'as sent to CMC lead 2027-01-10'", "aav.atmp now"), p.snapshot(), d/"aav-changes", old=p.milestone_snapshot(m))
# sample 2: allogeneic cells — a colleague's copy compared
q=ProjectFile.create(d/"allo.atmp", forms, document=load_sample("allogeneic-cells"))
a=q.snapshot()
ids=a.row_ids("manufacturing.process_steps")
for i, r in enumerate(reversed(ids)): q.move_rows("manufacturing.process_steps",[r],i)
q.set_value("product.invented_name","Allocell-2")
sites=a.row_ids("manufacturing.sites"); q.set_cell("manufacturing.sites", sites[0], "qualified_person","Dr. New QP")
write_change_report(forms, compare(forms, a, q.snapshot(), "allo.atmp as received", "allo.atmp after review"), q.snapshot(), d/"allo-changes", old=a)
