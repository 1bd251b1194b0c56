"""A fixture clinic website in the shape of the clinic's real Duda site, served by the tests'
real HTTP server: a blog page that lists posts as cards (picture with its description,
title, "By Dr. Glenn", date, teaser, "Read More"), and one page per post with the site's
chrome around it (navigation, "Share this article:", "Connect with Us:", recent posts,
footer). Written in our own words from the facts of the clinic's blog page (titles,
dates, authors, picture descriptions); pictures live on Duda's CDN under names with "+"
and "%28" in them, as Duda writes them.

    site = ClinicSite(feed=False, json_ld=True)
    site.serve(feed_server)          # routes /blog, /blog/<slug>, /robots.txt (and a feed)
    feed_server.url("/blog")
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from html import escape

CDN = "https://lirp.cdn-website.com/5c1e7a2b/dms3rep/multi/opt"
CLINIC = "Advanced Physical Medicine of St. Charles"


@dataclass(frozen=True)
class Post:
    slug: str
    title: str
    day: date
    author: str
    teaser: str
    picture: str  # the file name on the CDN, as Duda writes it
    alt: str
    paragraphs: tuple[str, ...]


POSTS = (
    Post("can-acupuncture-help-with-back-pain", "Can Acupuncture Help With Back Pain?",
         date(2026, 1, 6), "",
         "Acupuncture is one more way to ease back pain without medication; this is what "
         "a session involves.",
         "needles+in+the+lower+back+%28treatment+room%29-640w.jpg",
         "Hands inserting acupuncture needles into a person's back.",
         ("Back pain gets in the way of sleep, work and the walk to the mailbox. For some "
          "people it fades in days; for others it stays for weeks.",
          "Acupuncture uses very fine needles at chosen points to relax tight muscles and "
          "quiet irritated nerves. Most patients feel little more than a dull pressure.",
          "A first visit starts with questions about the pain and how you move. The "
          "needles then stay in place for twenty to forty minutes while you rest.") * 6),
    Post("concussion-recovery-stages-timeline",
         "Concussion Recovery: Stages and a Realistic Timeline", date(2025, 12, 5),
         "Dr. Glenn",
         "The stages of getting over a concussion, and roughly how long each one takes.",
         "head+impact+illustration+%28brain%29-640w.jpg",
         "Head being hit by a rectangular object. Brain shows signs of impact, labeled",
         ("Rest comes first, but only for a day or two. After that, gentle activity helps the "
          "brain recover faster than lying in a dark room.",
          "Most adults feel like themselves again within a month. Symptoms that last longer "
          "deserve a closer look from a therapist.")),
    Post("how-to-prevent-football-injuries", "How to Prevent Football Injuries",
         date(2025, 12, 1), "Dr. Glenn",
         "Warm-ups, strength work and rest days that keep players on the field.",
         "football+player+stretching+%28green%29-640w.jpg",
         "Football player in green uniform stretching on the field with teammates in the "
         "background.",
         ("A ten-minute warm-up cuts the risk of pulled muscles. Hip and ankle strength does "
          "the rest.",)),
    Post("physical-therapy-for-whiplash",
         "Physical Therapy for Whiplash: What Recovery Looks Like", date(2025, 11, 3), "",
         "How therapy helps a sore neck after a collision, week by week.",
         "whiplash+therapy-640w.jpg", "woman receiving physical therapy for whiplash",
         ("Gentle movement early on keeps the neck from stiffening.",)),
    Post("marathon-physical-therapy",
         "Marathon Physical Therapy: Training and Recovery Tips for Runners",
         date(2025, 10, 31), "",
         "Training smarter and recovering well before and after race day.",
         "marathon+runners-640w.jpg", "group of men and women running a marathon",
         ("Long runs build endurance; easy days let the body absorb them.",)),
    Post("car-accident-recovery",
         "Car Accident Recovery With Chiropractic, Physical Therapy and Acupuncture",
         date(2025, 10, 24), "",
         "Three kinds of care that work together after a crash.",
         "car+accident+injury-640w.jpg", "A man injured from a car accident.",
         ("Pain after a crash can show up days later, so an early check is worth it.",)),
    Post("what-is-body-tempering", "What Is Body Tempering?", date(2025, 9, 2), "",
         "A weighted roller for sore muscles, and who it suits.",
         "body+tempering+calf-640w.jpg",
         "body tempering exercise on calf at Advanced Physical Medicine",
         ("Body tempering presses a heavy steel roller slowly over tired muscles.",)),
    Post("physical-therapy-after-a-work-injury", "Physical Therapy After a Work Injury",
         date(2025, 8, 29), "Advanced Physical Medicine",
         "Getting back to work safely after an injury on the job.",
         "man+stretching+on+mat-640w.jpg",
         "Man in white shirt stretching on a yoga mat indoors, smiling.",
         ("A plan that matches the demands of your job makes the return last.",)),
)


@dataclass
class ClinicSite:
    """The site's pages. `feed`: the blog page links an RSS feed (served at /blog/rss.xml);
    `json_ld`: each post page describes itself in JSON-LD (BlogPosting) besides Open Graph;
    `titles_on_cards`: the listing's cards show the title (Duda's card layouts may not)."""

    feed: bool = False
    json_ld: bool = True
    titles_on_cards: bool = True
    disallow: str = "/private/"

    def serve(self, server, posts=POSTS) -> None:
        self.base = server.url("")
        html = {"Content-Type": "text/html; charset=utf-8"}
        server.route("/blog", body=self.listing(posts), headers=html)
        for post in posts:
            server.route(f"/blog/{post.slug}", body=self.post_page(post, posts),
                         headers={**html, "ETag": f'"{post.slug}-v1"'})
        server.route("/robots.txt", body=f"User-agent: *\nDisallow: {self.disallow}\n",
                     headers={"Content-Type": "text/plain"})
        if self.feed:
            server.route("/blog/rss.xml", body=self.rss(posts),
                         headers={"Content-Type": "application/rss+xml"})

    def url(self, post: Post) -> str:
        return f"{self.base}/blog/{post.slug}"

    # --- pages ---------------------------------------------------------------------------

    def listing(self, posts) -> str:
        cards = "\n".join(self._card(p) for p in posts)
        feed = ('<link rel="alternate" type="application/rss+xml" title="Blog RSS" '
                'href="/blog/rss.xml">') if self.feed else ""
        return self._page(
            f"Blog | {CLINIC}",
            f'<meta property="og:type" content="website">'
            f'<meta property="og:title" content="Blog | {CLINIC}">'
            f'<meta property="og:site_name" content="{CLINIC}">{feed}',
            f'<div class="dmRespRow"><h1 class="dmNewParagraph">Our Blog</h1></div>'
            f'<div class="dmRespRow blog-post-list" data-element-type="dPostList">{cards}</div>')

    def _card(self, post: Post) -> str:
        title = (f'<a class="post-title-link" href="/blog/{post.slug}">'
                 f'<h3 class="post-title">{escape(post.title)}</h3></a>') if self.titles_on_cards else ""
        by = f'<span class="post-author">By {escape(post.author)}</span> ' if post.author else ""
        return (f'<div class="dmRespCol blog-post-item">'
                f'<a class="post-image-link" href="/blog/{post.slug}">'
                f'<img src="{CDN}/{post.picture}" alt="{escape(post.alt)}"></a>'
                f'<div class="post-content">{title}'
                f'<div class="post-meta">{by}<span class="post-date">'
                f'{post.day:%B} {post.day.day}, {post.day.year}</span></div>'
                f'<div class="post-description">{escape(post.teaser)}</div>'
                f'<a class="post-read-more" href="/blog/{post.slug}">Read More »</a></div></div>')

    def post_page(self, post: Post, posts) -> str:
        picture = f"{CDN}/{post.picture}"
        big = picture.replace("-640w.", "-1920w.")
        head = (f'<meta property="og:type" content="article">'
                f'<meta property="og:title" content="{escape(post.title)}">'
                f'<meta property="og:description" content="{escape(post.teaser)}">'
                f'<meta property="og:image" content="{big}">'
                f'<meta property="og:site_name" content="{CLINIC}">'
                f'<meta name="description" content="{escape(post.teaser)}">')
        if self.json_ld:
            author = (f'"author": {{"@type": "Person", "name": "{post.author}"}},'
                      if post.author else "")
            head += ('<script type="application/ld+json">{"@context": "https://schema.org", '
                     f'"@type": "BlogPosting", "headline": "{post.title}", {author} '
                     f'"datePublished": "{post.day.isoformat()}T08:00:00-06:00", '
                     f'"image": {{"@type": "ImageObject", "url": "{big}", "width": 1920}}, '
                     f'"description": "{post.teaser}", '
                     f'"publisher": {{"@type": "Organization", "name": "{CLINIC}"}}}}</script>')
        body_paragraphs = list(post.paragraphs)
        middle = len(body_paragraphs) // 2
        body = "".join(f"<p>{escape(p)}</p>" for p in body_paragraphs[:middle or 1])
        body += f'<img src="{picture}" alt="{escape(post.alt)}">'
        body += "".join(f"<p>{escape(p)}</p>" for p in body_paragraphs[middle or 1:])
        recent = "".join(self._card(p) for p in [p for p in posts if p is not post][:3])
        by = f'<span class="post-author">By {escape(post.author)}</span> ' if post.author else ""
        return self._page(
            f"{escape(post.title)} | {CLINIC}", head,
            f'<div class="dmRespRow"><h1 class="post-title">{escape(post.title)}</h1>'
            f'<div class="post-meta">{by}<span class="post-date">{post.day:%B} {post.day.day}, '
            f'{post.day.year}</span></div>'
            '<div class="share-row"><p>Share this article:</p>'
            '<a href="https://www.facebook.com/sharer/sharer.php?u=x"><img '
            'src="https://irp.cdn-website.com/5c1e7a2b/social/facebook-share-icon.png" '
            'alt="Share on Facebook"></a></div>'
            f'<div class="dmNewParagraph post-body">{body}</div>'
            '<div class="dmRespRow"><p>Connect with Us:</p>'
            '<a href="https://www.facebook.com/apmstc">Facebook</a> '
            '<a href="https://www.instagram.com/apmstc">Instagram</a></div></div>'
            f'<div class="dmRespRow blog-post-list recent-posts">{recent}</div>')

    def _page(self, title: str, head: str, main: str) -> str:
        return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
                f'<title>{title}</title>{head}'
                '<link rel="stylesheet" href="https://irp.cdn-website.com/5c1e7a2b/site.css">'
                '</head><body><div class="dmOuter"><header class="dmHeader"><nav class="main-navigation">'
                '<a href="/">Home</a> <a href="/services/chiropractic-care">Chiropractic Care</a> '
                '<a href="/services/physical-therapy">Physical Therapy</a> '
                '<a href="/blog">Blog</a> <a href="/contact-us">Contact Us</a></nav></header>'
                f'<div class="dmContent" id="dmFirstContainer">{main}</div>'
                f'<footer class="dmFooter"><p>{CLINIC} · St. Charles, MO</p>'
                '<p>Connect with Us:</p><a href="https://www.facebook.com/apmstc">Facebook</a>'
                '</footer></div></body></html>')

    def rss(self, posts) -> str:
        items = "".join(
            f"<item><title>{escape(p.title)}</title><link>{self.url(p)}</link>"
            f"<guid>{self.url(p)}</guid><pubDate>{p.day:%a, %d %b %Y} 14:00:00 GMT</pubDate>"
            f"<description>{escape(p.teaser)}</description></item>" for p in posts)
        return (f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
                f"<title>{CLINIC} Blog</title><link>{self.base}/blog</link>"
                f"<description>Articles</description>{items}</channel></rss>")
