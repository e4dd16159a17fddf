-- The dashboard's own PostgreSQL role, `cpip_app` (README "Deployment"): run as the owner role
-- (`cpip_owner`, which ran `init-db`) in the dashboard's database, after `init-db` and again
-- after every upgrade:
--   psql "postgresql://cpip_owner@db.example:5432/cpip" -v ON_ERROR_STOP=1 -f deploy/app_role.sql
-- It reads everything, adds rows to the history and the audit trail, and changes only the
-- columns that record a batch's decision (approved, rejected, rolled back) and the publication a
-- published figure stops at. It deletes nothing and truncates nothing; the reference tables and
-- the schema are the owner's. Whatever it held before is revoked first, so running this again
-- leaves exactly these grants. Generated from `cpip_dashboard.store.audit.app_role_grants("cpip_app")`
-- (tests/store/test_app_role.py keeps the two the same).
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO "cpip_app";
REVOKE ALL ON ALL TABLES IN SCHEMA public FROM "cpip_app";
GRANT SELECT ON "alembic_version" TO "cpip_app";
GRANT SELECT ON "area" TO "cpip_app";
GRANT SELECT ON "area_alias" TO "cpip_app";
GRANT SELECT ON "workstream" TO "cpip_app";
GRANT SELECT ON "review_criterion" TO "cpip_app";
GRANT SELECT, INSERT ON "audit_event" TO "cpip_app";
GRANT SELECT, INSERT, UPDATE (state, approved_by, approved_by_id, approved_at,
                              rejected_by, rejected_by_id, rejected_at, rejected_reason,
                              rolled_back_by, rolled_back_by_id, rolled_back_at)
  ON "upload_batch" TO "cpip_app";
GRANT SELECT, INSERT ON "batch_preview" TO "cpip_app";
GRANT SELECT, INSERT ON "indicator" TO "cpip_app";
GRANT SELECT, INSERT ON "action" TO "cpip_app";
GRANT SELECT, INSERT ON "action_update" TO "cpip_app";
GRANT SELECT, INSERT ON "meeting" TO "cpip_app";
GRANT SELECT, INSERT ON "population" TO "cpip_app";
GRANT SELECT, INSERT ON "indicator_value" TO "cpip_app";
GRANT SELECT, INSERT ON "review_assessment" TO "cpip_app";
GRANT SELECT, INSERT ON "meeting_pack" TO "cpip_app";
GRANT SELECT, INSERT, UPDATE (figures_from, summary_json) ON "publication" TO "cpip_app";
GRANT SELECT, INSERT, UPDATE (valid_to) ON "published_figure" TO "cpip_app";
REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM "cpip_app";
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO "cpip_app";
