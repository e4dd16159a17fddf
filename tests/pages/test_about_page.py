"""The About page: definitions, sources, data status, accessibility statement."""

from tests.apptest import assert_frame_ran, texts


def test_about_lists_definitions_and_status(make_app, sample_url):
    at = make_app(sample_url, page="pages/about.py")
    assert_frame_ran(at)
    headers = [h.value for h in at.header]
    assert headers == ["RAG status", "Symbols in tables and charts",
                       "How small numbers are protected", "Indicators", "Data status",
                       "Where the data comes from",
                       "Register and figures; figures to doubt", "Accessibility statement"]
    rag_table = at.dataframe[0].value
    assert list(rag_table["Status"]) == ["✔ Complete", "● Green", "▲ Amber", "■ Red",
                                         "○ Not started"]
    catalogue = at.dataframe[2].value
    assert len(catalogue) == 17 and "CP_REGISTER" in set(catalogue["Code"])
    batches = at.dataframe[3].value
    assert list(batches["Data status"]) == ["Illustrative"]
    body = texts(at)
    assert "Last data update" in body
    assert "WCAG" in body
    # the protection rules in words, with the last audit of the stored figures
    assert "Group disclosure" in body and "at least 5 wide" in body
    assert "every hidden figure protected" in body
    # the populations' source as the Populations sheet gave it (blank: the default)
    assert "for the child populations loaded (the denominators of rates), NRS mid-year " \
        "population estimates (as the uploaded Populations sheets say)" in body


def test_about_on_an_empty_database(make_app, databases):
    at = make_app(databases.fresh("sqlite", sample=False), page="pages/about.py")
    assert_frame_ran(at)
    assert "No data has been loaded yet." in texts(at)
    assert "for the child populations loaded (the denominators of rates), none loaded yet" \
        in texts(at)
    assert "illustrative sample data" not in texts(at)
