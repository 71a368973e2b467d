"""Where API spiders find their keys: the runner's setting first, then the environment
(how a Scrapyd node is given keys), never a file."""

from scrapy.settings import Settings

from crawlers.spiders.api import GraphSpider, YelpFusionSpider


def _spider(cls, keys: dict[str, str] | None = None):
    spider = cls()
    spider.settings = Settings({"QUIETWATCH_API_KEYS": keys or {}})
    return spider


def test_key_from_the_runner_wins(monkeypatch) -> None:
    monkeypatch.setenv("YELP_API_KEY", "from-env")
    assert _spider(YelpFusionSpider, {"yelp": "from-runner"}).api_key() == "from-runner"


def test_key_from_the_environment_when_the_runner_gave_none(monkeypatch) -> None:
    monkeypatch.setenv("FACEBOOK_PAGE_TOKEN", "page-token")
    assert _spider(GraphSpider).api_key() == "page-token"


def test_no_key_anywhere_is_none(monkeypatch) -> None:
    monkeypatch.delenv("YELP_API_KEY", raising=False)
    assert _spider(YelpFusionSpider).api_key() is None
