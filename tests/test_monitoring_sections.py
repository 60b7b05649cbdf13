"""The node's monitoring page in sections: an index of in-page links to every section's heading,
and only to those on the page (legal and budget sections come and go with rights and data); inside the
panels that htmx refreshes, so a filter keeps it right; the charts' tables stay where they were."""
import re

QS = "?dal=2026-03-01&al=2026-03-31"


def _index(html: str) -> list[str]:
    nav = html[html.index('id="monitoring-sections"'):]
    return re.findall(r'href="#([^"]+)"', nav[:nav.index("</nav>")])


def test_the_index_links_every_section_and_only_those(login):
    for key in ("n1_coordinator", "n1_case_worker"):
        html = login(key).get("/monitoraggio/" + QS).get_data(as_text=True)
        headings = re.findall(r'<h2 id="(h-[a-z]+)"', html)
        assert _index(html) == headings, key
        assert headings[:5] == ["h-referrals", "h-times", "h-cases", "h-actions", "h-outcomes"]
        assert 'aria-label="Sezioni del monitoraggio"' in html
        assert html.count('href="#monitoring-sections"') == len(headings)  # back to the index, after each
        for table in ("referrals-ground", "referrals-month", "cases-state", "actions-service", "phase-1"):
            assert f'id="{table}"' in html  # every chart keeps its table


def test_the_index_is_refreshed_with_the_panels(login):
    partial = login("n1_coordinator").get("/monitoraggio/" + QS, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in partial and _index(partial)[0] == "h-referrals"
