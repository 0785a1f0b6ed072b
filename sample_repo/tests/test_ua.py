import pytest

from logalyzer import ua

CHROME = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
          "Chrome/118.0.0.0 Safari/537.36")


@pytest.mark.parametrize("agent,expected", [
    (CHROME, "Chrome 118"),
    (CHROME + " Edg/118.0.2088.46", "Edge 118"),
    (CHROME + " OPR/104.0.0.0", "Opera 104"),
    ("Mozilla/5.0 (X11; Linux x86_64; rv:119.0) Gecko/20100101 Firefox/119.0", "Firefox 119"),
    ("Mozilla/5.0 (Macintosh) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15",
     "Safari 17"),
    ("Mozilla/5.0 (Windows NT 6.1; Trident/7.0; rv:11.0) like Gecko", "Internet Explorer 11"),
    ("Mozilla/4.0 (compatible; MSIE 8.0; Windows NT 6.1)", "Internet Explorer 8"),
    ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "bot"),
    ("curl/8.4.0", "bot"),
    ("Lynx/2.8.9", "other"),
    ("", "other"),
    ("-", "other"),
])
def test_browser_family(agent, expected):
    assert ua.browser_family(agent) == expected


def test_is_bot():
    assert ua.is_bot("python-requests/2.31")
    assert ua.is_bot("Mozilla/5.0 HeadlessChrome/118.0")
    assert not ua.is_bot(CHROME)


def test_browser_share(make_request):
    recs = [make_request(agent=a) for a in [CHROME, "curl/8", CHROME, "Lynx", "wget/1"]]
    assert list(ua.browser_share(recs).items()) == [("Chrome 118", 2), ("bot", 2), ("other", 1)]
    assert ua.browser_share([]) == {}
