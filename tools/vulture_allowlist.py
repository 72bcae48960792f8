"""What personalize_local uses by name, where vulture can't see it used: vulture's allowlist.

    vulture personalize_local tools/vulture_allowlist.py --min-confidence 60

vulture reads this file as code without running it: each name used below counts as used wherever it is
defined. Run as a script, the file writes its operations section from botocore's models of the three
services (``python tools/vulture_allowlist.py``; ``--check`` only says whether it is current), so the
section follows the models. tests/test_architecture.py runs both.
"""
from __future__ import annotations

import sys
from pathlib import Path

BEGIN, END = "# BEGIN OPERATIONS\n", "# END OPERATIONS\n"


class _Names:
    """Whatever attribute is asked of it: running the file reads every name below, harmlessly."""

    def __getattr__(self, name: str) -> None:
        return None


_ = _Names()

# The backend routes each operation to the method named after it of the service whose OPERATIONS name it
# (backend/__init__.py: PersonalizeBackend.handlers, by xform_name).
# BEGIN OPERATIONS
_.create_batch_inference_job
_.create_batch_segment_job
_.create_campaign
_.create_data_deletion_job
_.create_dataset
_.create_dataset_export_job
_.create_dataset_group
_.create_dataset_import_job
_.create_event_tracker
_.create_filter
_.create_metric_attribution
_.create_recommender
_.create_schema
_.create_solution
_.create_solution_version
_.delete_campaign
_.delete_dataset
_.delete_dataset_group
_.delete_event_tracker
_.delete_filter
_.delete_metric_attribution
_.delete_recommender
_.delete_schema
_.delete_solution
_.describe_algorithm
_.describe_batch_inference_job
_.describe_batch_segment_job
_.describe_campaign
_.describe_data_deletion_job
_.describe_dataset
_.describe_dataset_export_job
_.describe_dataset_group
_.describe_dataset_import_job
_.describe_event_tracker
_.describe_feature_transformation
_.describe_filter
_.describe_metric_attribution
_.describe_recipe
_.describe_recommender
_.describe_schema
_.describe_solution
_.describe_solution_version
_.get_action_recommendations
_.get_personalized_ranking
_.get_recommendations
_.get_solution_metrics
_.list_batch_inference_jobs
_.list_batch_segment_jobs
_.list_campaigns
_.list_data_deletion_jobs
_.list_dataset_export_jobs
_.list_dataset_groups
_.list_dataset_import_jobs
_.list_datasets
_.list_event_trackers
_.list_filters
_.list_metric_attribution_metrics
_.list_metric_attributions
_.list_recipes
_.list_recommenders
_.list_schemas
_.list_solution_versions
_.list_solutions
_.list_tags_for_resource
_.put_action_interactions
_.put_actions
_.put_events
_.put_items
_.put_users
_.start_recommender
_.stop_recommender
_.stop_solution_version_creation
_.tag_resource
_.untag_resource
_.update_campaign
_.update_dataset
_.update_metric_attribution
_.update_recommender
_.update_solution
# END OPERATIONS

# lark calls the Transformer's method named after each grammar rule (filters/grammar.py).
_.filter
_.expression
_.chain
_.conjunction
_.condition
_.field
_.guard
_.user_condition
_.in_values
_.not_in_values
_.in_current_item
_.not_in_current_item
_.compare_value
_.compare_value_in_parentheses
_.compare_current_item
_.values
_.literal
_.current_item
_.parameter_values
_.given

# pytest asks the plugin's fixtures by name (pytest_plugin.py), and the tests of the package's users call
# the faults fixture's methods (faults.py).
_.personalize_region
_.personalize_aws
_.personalize_snapshot_store
_.personalize_snapshot
_.personalize_faults
_.fail_creation
_.fail_import

# Python calls a module's __getattr__ and __dir__ (PEP 562: personalize_local/__init__.py's lazy names).
_.__getattr__
_.__dir__

# moto reads these of a backend and of its state manager's models (backend/__init__.py, backend/lifecycle.py),
# and of a service's urls module, whose handlers it calls with (request, full_url, headers) (urls.py).
_._url_module
_._get_next_status
_._tick
_._time_progressed
_.url_bases
_.url_paths
_.full_url

# The standard library's: csv reads a Dialect's attributes (data/csv_import.py); http.server calls its
# handler's log_request, parse_request, send_error(code, message, explain) and do_<method> (serving.py);
# logging's QueueListener calls dequeue (cli.py); ``with`` calls __exit__(kind, error, trace) (threaded.py);
# NumPy reads an array's flags (recipes/user_personalization.py).
_.delimiter
_.quotechar
_.doublequote
_.escapechar
_.skipinitialspace
_.lineterminator
_.quoting
_.strict
_.log_request
_.parse_request
_.send_error
_.explain
_.do_GET
_.do_HEAD
_.do_POST
_.do_PUT
_.do_DELETE
_.do_PATCH
_.do_OPTIONS
_.dequeue
_.trace
_.writeable

# moto's ThreadedMotoServer's method, which ThreadedServer keeps for its users (threaded.py).
_.get_host_and_port

# Imported for type checkers only, and named in quoted annotations, which vulture doesn't read (wire/dispatch.py).
_.ServerHeaders

# Caches a model reads back through its __dict__ (recipes/user_personalization.py: TRANSIENT).
_._last_scores
_._last_exclusion
_._last_history


def operations() -> list[str]:
    """The services' methods the backend routes operations to: every operation of the three services, as xform_name names it."""
    from botocore import xform_name

    from personalize_local.service_models import SERVICES, service_model

    return sorted({xform_name(name) for service in SERVICES for name in service_model(service).operation_names})


def written(text: str) -> str:
    """``text`` (this file) with its operations section as the models say."""
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return head + BEGIN + "".join(f"_.{name}\n" for name in operations()) + END + tail


def main(argv: list[str]) -> int:
    path = Path(__file__)
    text = path.read_text()
    current = written(text)
    if "--check" in argv:
        if current != text:
            print(f"{path}: the operations section is not the models'; run python {path.name}", file=sys.stderr)
            return 1
        return 0
    path.write_text(current)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
