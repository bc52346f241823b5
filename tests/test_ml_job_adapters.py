"""The MLflow and SageMaker adapters stand on their own, and add nothing twice.

With the platform's contract tables unset, jobs come from SageMaker DescribeTrainingJob
records and MLflow runs only: SageMaker training jobs are costed from their CUR lines
(resource id: the job's ARN) to the cent of the generator's truth; MLflow runs carry no
resource id, so their jobs appear with their attempts and no cost.
"""

from __future__ import annotations

import pytest
import yaml

from build_support import BuiltProject, run_dbt

CENT = 0.01
CONTRACT_VARS = ("mlcost_ml_jobs", "mlcost_ml_job_attempts", "mlcost_ml_attempt_nodes",
                 "mlcost_ml_checkpoints")
# SageMaker is billed in the CUR: one AWS format is enough, and a smaller build is faster.
KEPT_BILLING_VARS = ("mlcost_aws_cur2_parquet",)


@pytest.fixture(scope="module")
def adapters_only(built_sample: BuiltProject, tmp_path_factory: pytest.TempPathFactory
                  ) -> BuiltProject:
    work_dir = tmp_path_factory.mktemp("adapters_only")
    sample_vars = yaml.safe_load((built_sample.data_dir / "mlcost_vars.yml").read_text())
    sample_vars = {name: value for name, value in sample_vars.items()
                   if name not in CONTRACT_VARS
                   and (name in KEPT_BILLING_VARS or not name.startswith(
                       ("mlcost_aws_", "mlcost_gcp_", "mlcost_azure_")))}
    database = work_dir / "mlcost.duckdb"
    result = run_dbt(["build", "--select", "+fct_ml_job_costs", "--exclude",
                      "resource_type:test", "resource_type:unit_test", "--vars",
                      yaml.safe_dump(sample_vars)], database, work_dir)
    if result.returncode != 0:
        pytest.fail(f"dbt build without the contract tables failed:\n{result.stdout[-6000:]}")
    return BuiltProject(data_dir=built_sample.data_dir, database=database,
                        truth=built_sample.truth, dbt_output=result.stdout)


def test_sources_count_each_job_once(built_sample: BuiltProject) -> None:
    rows = built_sample.query(
        "select job_source, count(*) from main_marts.fct_ml_job_costs group by 1")
    assert rows == [("ml_jobs", len(built_sample.truth["job_costs"]))]


def test_sagemaker_jobs_costed_from_their_arn(adapters_only: BuiltProject) -> None:
    truth = {job["job_id"]: job for job in adapters_only.truth["job_costs"]}
    rows = adapters_only.query("""
        select job_id, billed_cost, attempt_count, final_status, team
        from main_marts.fct_ml_job_costs where job_source = 'sagemaker'""")
    assert rows, "the sample should have SageMaker training jobs"
    for job_id, billed, attempts, status, team in rows:
        job = truth[job_id]
        assert float(billed) > 0, job_id
        if attempts == job["attempt_count"]:
            assert float(billed) == pytest.approx(job["billed_cost"], abs=CENT), job_id
            assert (status, team) == (job["final_status"], job["team"]), job_id


def test_mlflow_runs_become_jobs_with_attempts(adapters_only: BuiltProject) -> None:
    rows = adapters_only.query("""
        select count(*), sum(attempt_count), sum(billed_cost)
        from main_marts.fct_ml_job_costs where job_source = 'mlflow'""")
    jobs, attempts, billed = rows[0]
    runs = adapters_only.query("select count(*) from main_staging.stg_mlflow__runs")[0][0]
    assert jobs > 0 and 0 < attempts <= runs and float(billed) == 0
