"""What `quietwatch scrapyd-schedule` asks Scrapyd for: one job per spider, arguments as
strings, the own-content scan included when the config names the clinic's pages."""

import json
from pathlib import Path

from crawlers.sites import spider_by_name
from quietwatch.scrapyd import scrapyd_jobs
from store.config import parse_config
from store.db import make_engine

CONFIG = """[clinic]
name = "Harbourview Counselling Collective"
street_address = "1200 West 8th Avenue, Suite 300"
city = "Vancouver"
province = "BC"
postal_code = "V6H 1C6"
phone = "+1 604-555-0142"
website = "https://harbourview-counselling.example"

[[sources]]
site = "yelp"
url = "https://www.yelp.com/biz/harbourview-counselling-collective-vancouver"

[[sources]]
site = "ratemds"
url = "https://www.ratemds.com/clinic/ca-bc-vancouver-harbourview/"

[own_content]
urls = ["https://harbourview-counselling.example/", "https://harbourview-counselling.example/fees"]
feeds = ["https://harbourview-counselling.example/blog/feed.xml"]

[crawl]
full_sweep_days = 3
"""


def test_one_job_per_spider_and_the_own_content_scan(tmp_path: Path, db_url: str) -> None:
    config = parse_config(CONFIG, tmp_path / "quietwatch.toml")
    jobs = {job["spider"]: job for job in scrapyd_jobs(config, make_engine(db_url))}
    assert set(jobs) == {"yelp", "ratemds", "own_content"}
    assert all(
        isinstance(v, str) for job in jobs.values() for k, v in job.items() if k != "settings"
    )
    assert json.loads(jobs["yelp"]["sources"])[0]["url"].endswith("vancouver")
    own = jobs["own_content"]
    assert own["urls"].split(",") == [
        "https://harbourview-counselling.example/",
        "https://harbourview-counselling.example/fees",
    ]
    assert own["feeds"] == "https://harbourview-counselling.example/blog/feed.xml"
    assert {job["settings"]["QUIETWATCH_FULL_SWEEP_DAYS"] for job in jobs.values()} == {"3.0"}
    # Each job names a spider Scrapy can find, and the own-content spider reads its
    # comma-separated arguments back into lists.
    spider = spider_by_name("yelp")(sources=jobs["yelp"]["sources"])
    assert spider.sources[0]["site"] == "yelp"
    from crawlers.spiders.own_content import OwnContentSpider

    scan = OwnContentSpider(urls=own["urls"], feeds=own["feeds"], max_pages=own["max_pages"])
    assert len(scan.urls) == 2 and len(scan.feeds) == 1
