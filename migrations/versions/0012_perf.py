"""the references of indicator values and published figures are checked once per statement

`indicator_value.area_code` (-> `area.code`), `indicator_value.batch_id` (->
`upload_batch.id`) and `published_figure.publication_id` (-> `publication.id`) were foreign
keys. PostgreSQL checks a foreign key with a query and a row lock per inserted row: a
100,000-row upload's values and its 194,000 figure rows cost the server 2.3 s of its 4.2 s
(benchmarks/import_100k.py, README Performance). On PostgreSQL the constraints are replaced
by triggers that refuse the same rows: one check per statement over the rows it inserted or
updated (a transition table, anti-joined with the referenced table); deleting a referenced
area, batch or publication, or changing its key, is refused as before (row triggers on those
rare statements; the app's role holds neither DELETE nor UPDATE of a key anywhere:
`audit.APP_ROLE_PRIVILEGES`). SQLite keeps its foreign keys: its check is an in-process index
probe, and triggers per row (it has no statement triggers) cost it three times more.

Revision ID: 0012_perf
Revises: 0011_pack_release
Create Date: 2026-12-06 14:00:00
"""

from alembic import op

revision = '0012_perf'
down_revision = '0011_pack_release'
branch_labels = None
depends_on = None

# (table, column, referenced table, referenced column, the constraint it replaces)
REFERENCES = (
    ('indicator_value', 'area_code', 'area', 'code', 'fk_indicator_value_area_code_area'),
    ('indicator_value', 'batch_id', 'upload_batch', 'id',
     'fk_indicator_value_batch_id_upload_batch'),
    ('published_figure', 'publication_id', 'publication', 'id',
     'fk_published_figure_publication_id_publication'),
)

PG_FUNCTIONS = (
    # the rows a statement inserted or updated (`new_rows`) whose reference is missing
    """
CREATE OR REPLACE FUNCTION cpip_indicator_value_refs() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE missing text;
BEGIN
    SELECT n.area_code INTO missing FROM (SELECT DISTINCT area_code FROM new_rows) n
        WHERE NOT EXISTS (SELECT 1 FROM area a WHERE a.code = n.area_code) LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation',
            MESSAGE = format('indicator_value: no area %s', missing);
    END IF;
    SELECT n.batch_id::text INTO missing FROM (SELECT DISTINCT batch_id FROM new_rows) n
        WHERE NOT EXISTS (SELECT 1 FROM upload_batch b WHERE b.id = n.batch_id) LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation',
            MESSAGE = format('indicator_value: no upload_batch %s', missing);
    END IF;
    RETURN NULL;
END
$$
""",
    """
CREATE OR REPLACE FUNCTION cpip_published_figure_refs() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE missing text;
BEGIN
    SELECT n.publication_id::text INTO missing
        FROM (SELECT DISTINCT publication_id FROM new_rows) n
        WHERE NOT EXISTS (SELECT 1 FROM publication p WHERE p.id = n.publication_id) LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation',
            MESSAGE = format('published_figure: no publication %s', missing);
    END IF;
    RETURN NULL;
END
$$
""",
    # a referenced row deleted or its key changed: TG_ARGV = its key column, then pairs of
    # (referencing table, referencing column)
    """
CREATE OR REPLACE FUNCTION cpip_referenced_row() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    key text := to_jsonb(OLD) ->> TG_ARGV[0];
    i integer := 1;
    used boolean;
BEGIN
    IF TG_OP = 'UPDATE' AND (to_jsonb(NEW) ->> TG_ARGV[0]) IS NOT DISTINCT FROM key THEN
        RETURN NEW;
    END IF;
    WHILE i < TG_NARGS LOOP
        EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I WHERE %I::text = $1)',
                       TG_ARGV[i], TG_ARGV[i + 1]) INTO used USING key;
        IF used THEN
            RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation',
                MESSAGE = format('%s %s is referenced from %s', TG_TABLE_NAME, key, TG_ARGV[i]);
        END IF;
        i := i + 2;
    END LOOP;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END
$$
""",
)

PG_TRIGGERS = (
    "CREATE TRIGGER indicator_value_refs_insert AFTER INSERT ON indicator_value "
    "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION cpip_indicator_value_refs()",
    "CREATE TRIGGER indicator_value_refs_update AFTER UPDATE ON indicator_value "
    "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION cpip_indicator_value_refs()",
    "CREATE TRIGGER published_figure_refs_insert AFTER INSERT ON published_figure "
    "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION cpip_published_figure_refs()",
    "CREATE TRIGGER published_figure_refs_update AFTER UPDATE ON published_figure "
    "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION cpip_published_figure_refs()",
    "CREATE TRIGGER area_referenced BEFORE DELETE OR UPDATE OF code ON area "
    "FOR EACH ROW EXECUTE FUNCTION cpip_referenced_row('code', 'indicator_value', 'area_code')",
    "CREATE TRIGGER upload_batch_referenced BEFORE DELETE OR UPDATE OF id ON upload_batch "
    "FOR EACH ROW EXECUTE FUNCTION cpip_referenced_row('id', 'indicator_value', 'batch_id')",
    "CREATE TRIGGER publication_referenced BEFORE DELETE OR UPDATE OF id ON publication "
    "FOR EACH ROW EXECUTE FUNCTION "
    "cpip_referenced_row('id', 'published_figure', 'publication_id')",
)
PG_DROPS = (
    "DROP TRIGGER IF EXISTS indicator_value_refs_insert ON indicator_value",
    "DROP TRIGGER IF EXISTS indicator_value_refs_update ON indicator_value",
    "DROP TRIGGER IF EXISTS published_figure_refs_insert ON published_figure",
    "DROP TRIGGER IF EXISTS published_figure_refs_update ON published_figure",
    "DROP TRIGGER IF EXISTS area_referenced ON area",
    "DROP TRIGGER IF EXISTS upload_batch_referenced ON upload_batch",
    "DROP TRIGGER IF EXISTS publication_referenced ON publication",
    "DROP FUNCTION IF EXISTS cpip_indicator_value_refs()",
    "DROP FUNCTION IF EXISTS cpip_published_figure_refs()",
    "DROP FUNCTION IF EXISTS cpip_referenced_row()",
)


def upgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return  # SQLite keeps its foreign keys
    for table, _, _, _, constraint in REFERENCES:
        op.drop_constraint(constraint, table, type_='foreignkey')
    for statement in (*PG_FUNCTIONS, *PG_TRIGGERS):
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    for statement in PG_DROPS:
        op.execute(statement)
    for table, column, parent, key, constraint in REFERENCES:
        op.create_foreign_key(constraint, table, parent, [column], [key])
