"""SageMaker ``DescribeTrainingJob`` responses, one JSON object per line.

Fields and enums follow the SageMaker API reference for DescribeTrainingJob (times rendered
as the AWS CLI renders them: ISO-8601 with the UTC offset). Each record is a training job the
company ran; its ``TrainingJobArn`` is the ``lineItem/ResourceId`` of its CUR lines
(``USE1-Train:ml.p4d.24xlarge``) and the ``resource_id`` of its attempt nodes, and its
``job_id`` tag names the platform job.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

from ..world import World, dt_of, ts_of

VAR = "mlcost_sagemaker_training_jobs"
STATUS = {"succeeded": ("Completed", "Completed"), "failed": ("Failed", "Failed"),
          "killed": ("Stopped", "Stopped"), "running": ("InProgress", "Training"),
          "preempted": ("Failed", "Failed")}


def cli_time(value: datetime) -> str:
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")


def write(world: World, out_dir: Path) -> tuple[dict[str, str], dict[str, int]]:
    attempts = {a.attempt_id: a for a in world.attempts}
    jobs = {j.job_id: j for j in world.jobs}
    attempt_of: dict[str, str] = {}
    for node in world.nodes:
        attempt_of.setdefault(node.resource_id, node.attempt_id)
    checkpointed = {c.attempt_id for c in world.checkpoints}
    records = []
    for inst in sorted((i for i in world.instances if i.role == "sagemaker"),
                       key=lambda i: (i.start, i.resource_id)):
        attempt = attempts[attempt_of[inst.resource_id]]
        job = jobs[attempt.job_id]
        status, secondary = STATUS[attempt.status]
        start = ts_of(attempt.started_at)
        end = None if attempt.ended_at is None else ts_of(attempt.ended_at)
        created = ts_of(job.submitted_at)
        record = {
            "TrainingJobName": inst.resource_name,
            "TrainingJobArn": inst.resource_id,
            "TrainingJobStatus": status,
            "SecondaryStatus": secondary,
            "AlgorithmSpecification": {
                "TrainingImage": "763104351884.dkr.ecr.us-east-1.amazonaws.com/"
                                 "pytorch-training:2.3.0-gpu-py311-cu121-ubuntu20.04-sagemaker",
                "TrainingInputMode": "File"},
            "RoleArn": f"arn:aws:iam::{inst.sub_account}:role/sagemaker-training-{job.team}",
            "ResourceConfig": {"InstanceType": inst.instance_type,
                               "InstanceCount": inst.count, "VolumeSizeInGB": 500},
            "StoppingCondition": {"MaxRuntimeInSeconds": 172800},
            "CreationTime": cli_time(dt_of(created)),
            "TrainingStartTime": cli_time(dt_of(start)),
            "EnableManagedSpotTraining": False,
            "Tags": [{"Key": k, "Value": v} for k, v in sorted(inst.tags.items())],
        }
        if attempt.failure_reason:
            record["FailureReason"] = f"AlgorithmError: {attempt.failure_reason}, exit code: 1"
        if end is not None:
            record["TrainingEndTime"] = cli_time(dt_of(end))
            record["LastModifiedTime"] = cli_time(dt_of(end + 45))
            record["TrainingTimeInSeconds"] = end - start
            record["BillableTimeInSeconds"] = end - start
        if job.checkpoint_enabled or attempt.attempt_id in checkpointed:
            record["CheckpointConfig"] = {
                "S3Uri": f"s3://tl-ml-checkpoints-{job.team}-us-east-1/{job.project}/"
                         f"{job.job_id}/", "LocalPath": "/opt/ml/checkpoints"}
        records.append(record)
    target = out_dir / "sagemaker" / "training_jobs.jsonl"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("".join(json.dumps(r, sort_keys=False) + "\n" for r in records),
                      encoding="utf-8")
    return {VAR: target.as_posix()}, {"sagemaker/training_jobs.jsonl": len(records)}
