# ovs-dpi signatures: services by host name and by address block (format:
# 00-core.sig).
#
# Host names are domains the service itself operates (its web sites, APIs
# and CDN names), checked against the labels nDPI gives the flows of the
# development corpus (TLS.YouTube, DNS.NetFlix, QUIC.Google, ...): where
# nDPI names a more specific service (googleservices, playstore,
# youtubeupload, ...) for a sub-domain, that sub-domain is declared for the
# more specific service, which wins because its suffix is longer.

# --- Google and its services -----------------------------------------------

# Google: its own domains, the country domains google.TLD and google.co.TLD
# / google.com.TLD, static content, ads and analytics.
service google
    host "google.com" host "gstatic.com"
    host "googleusercontent.com" host "googlesyndication.com"
    host "googleadservices.com" host "google-analytics.com"
    host "doubleclick.net" host "app-measurement.com" host "gvt1.com"
    host "gvt2.com" host "gvt3.com" host "goog" host "ampproject.org"
    host "android.com" host "withgoogle.com" host "1e100.net"
    host "googleblog.com" host "googleoptimize.com" host "gmodules.com"
    host "googlecode.com" host "googleadsserving.cn" host "admob.com"
    host-regex "(^|\.)google\.(co\.|com\.)?[a-z]{2,3}$"

# Google's background services: the googleapis.com APIs (safe browsing,
# updates, autofill, push), tag manager and Firebase Cloud Messaging
# (mtalk.google.com).
service googleservices
    host "googleapis.com" host "googletagmanager.com"
    host "googletagservices.com" host "mtalk.google.com"
    host-regex "^alt[0-9]+-mtalk\.google\.com$"
    host "firebaseio.com" host "firebaseinstallations.googleapis.com"
    host "fcm.googleapis.com"

# The Google Play Store: the Android client API and its image CDN.
service playstore
    host "android.clients.google.com" host "play-lh.googleusercontent.com"
    host "play-fe.googleapis.com"

service gmail
    host "mail.google.com" host "gmail.com" host "inbox.google.com"
    host "googlemail.com"

service googlemaps
    host "maps.google.com" host "maps.googleapis.com" host "maps.gstatic.com"
    host "maps.app.goo.gl" host "mt0.google.com" host "mt1.google.com"
    host "khms0.google.com" host "khms1.google.com"

service googledrive
    host "drive.google.com" host "drive.googleapis.com"
    host "drive.usercontent.google.com" host "docs.googleusercontent.com"

service googledocs
    host "docs.google.com" host "sheets.google.com" host "slides.google.com"
    host "forms.google.com"

service googlemeet
    host "meet.google.com" host "meetings.googleapis.com"

service googleclassroom
    host "classroom.google.com" host "classroom.googleapis.com"

service googlehangoutduo
    host "hangouts.googleapis.com" host "duo.google.com"

# Google Cloud Platform: its console, storage and App Engine / Cloud Run
# hosting domains.
service googlecloud
    host "cloud.google.com" host "console.cloud.google.com"
    host "storage.googleapis.com" host "appspot.com" host "run.app"
    host "cloudfunctions.net"

# Chrome's Data Saver proxy.
service datasaver
    host "googlezip.net" host "datasaver.googleapis.com"

service crashlytics
    host "crashlytics.com" host "firebasecrashlytics.googleapis.com"

# YouTube, including its video (googlevideo.com) and image (ytimg.com,
# ggpht.com) servers; uploads go to upload.youtube.com.
service youtube
    host "youtube.com" host "youtu.be" host "youtube-nocookie.com"
    host "ytimg.com" host "googlevideo.com" host "ggpht.com"
    host "youtubei.googleapis.com" host "youtube.googleapis.com"
    host "youtubekids.com" host "yt.be"

service youtubeupload
    host "upload.youtube.com" host "uploads.youtube.com"

service waze
    host "waze.com"

# --- Meta ------------------------------------------------------------------

# Facebook and its CDN.  Instagram's and WhatsApp's names on the same CDN
# are longer suffixes, so they win.
service facebook
    host "facebook.com" host "facebook.net" host "fb.com" host "fbcdn.net"
    host "fbsbx.com" host "fb.me" host "fb.gg" host "facebook.de"
    host "fb.watch" host "meta.com" host "fbcdn.com"

service facebookmessenger
    host "messenger.com" host "m.me" host "edge-mqtt.facebook.com"
    host "mqtt-mini.facebook.com"

# Reels and stories videos come from video.*.fbcdn.net.
service fbookreelstory
    host-regex "^video[^.]*\.[^.]+\.fna\.fbcdn\.net$"

service instagram
    host "instagram.com" host "cdninstagram.com" host "ig.me"
    host "instagr.am"
    host-regex "^instagram\.[^.]+\.fna\.fbcdn\.net$"
    host-regex "^igcdn-photos-[^.]+\.akamaihd\.net$"

service threads
    host "threads.net" host "threads.com"

service whatsapp
    host "whatsapp.net" host "whatsapp.com" host "wa.me"

# WhatsApp media (photos, videos, documents): media*.whatsapp.net.
service whatsappfiles
    host-regex "^media[^.]*\.[^.]+\.fna\.whatsapp\.net$"
    host-regex "^media[^.]*\.cdn\.whatsapp\.net$"
    host "mmg.whatsapp.net"

# --- Microsoft -------------------------------------------------------------

service microsoft
    host "microsoft.com" host "msft.net" host "msn.com" host "bing.com"
    host "msads.net" host "msedge.net" host "aspnetcdn.com"
    host "appcenter.ms" host "microsoftonline-p.com" host "msftncsi.com"
    host "msftconnecttest.com" host "onedrive.com" host "visualstudio.com"
    host "windows.net" host "trafficmanager.net" host "s-microsoft.com"
    host "msauth.net" host "live.net"

service teams
    host "teams.microsoft.com" host "teams.office.com" host "teams.skype.com"
    host "teams.live.com" host "teams.cdn.office.net"
    host "teams-msgapi.trafficmanager.net"

# Skype (its service APIs; calls are the separate skype_teams id).
service skype_teams
    host "skype.com" host "skype.net" host "skypeassets.com"
    host "hockeyapp.net" host "microsoftstream.com" host "lync.com"

service azure
    host "azure.com" host "azure.net" host "azureedge.net"
    host "azurewebsites.net" host "cloudapp.net" host "azure-api.net"
    host "azurefd.net" host "windowsazure.com"

service microsoft365
    host "office.com" host "office.net" host "office365.com"
    host "microsoftonline.com" host "sharepoint.com" host "onenote.com"
    host "microsoft365.com" host "officeapps.live.com"

service ms_onedrive
    host "onedrive.live.com" host "1drv.com" host "1drv.ms"
    host "storage.live.com" host "skyapi.onedrive.live.com"

service outlook
    host "outlook.com" host "hotmail.com" host "outlook.live.com"
    host "outlook.office365.com"

service windowsupdate
    host "windowsupdate.com" host "update.microsoft.com"
    host "windowsupdate.microsoft.com" host "delivery.mp.microsoft.com"
    host "download.windowsupdate.com"

service xbox
    host "xbox.com" host "xboxlive.com" host "xboxab.com"
    host "xboxservices.com"

service linkedin
    host "linkedin.com" host "licdn.com" host "lnkd.in"

service github
    host "github.com" host "githubusercontent.com" host "github.io"
    host "githubassets.com" host "ghcr.io"

# --- Amazon ----------------------------------------------------------------

service amazon
    host "amazon.com" host "amazon.co.uk" host "amazon.de" host "amazon.fr"
    host "amazon.it" host "amazon.es" host "amazon.co.jp" host "amazon.ca"
    host "amazon.in" host "amazon.com.br" host "images-amazon.com"
    host "ssl-images-amazon.com" host "media-amazon.com"
    host "amazon-adsystem.com" host "a2z.com" host "amzn.to"

service amazonaws
    host "amazonaws.com" host "aws.amazon.com" host "awsstatic.com"
    host "cloudfront.net" host "amazonaws.com.cn"

service amazonalexa
    host "alexa.amazon.com" host "alexa.a2z.com" host "amazonalexa.com"
    host "avs-alexa-na.amazon.com" host "alexa.com"

service amazonvideo
    host "primevideo.com" host "aiv-cdn.net" host "aiv-delivery.net"
    host "amazonvideo.com" host "atv-ps.amazon.com"

# --- Apple -----------------------------------------------------------------

service apple
    host "apple.com" host "apple-cloudkit.com" host "apple-dns.net"
    host "cdn-apple.com" host "aaplimg.com" host "apple.news"

service appleicloud
    host "icloud.com" host "icloud-content.com" host "me.com"
    host "icloud.com.cn"

service appleitunes
    host "itunes.apple.com" host "itunes.com" host "music.apple.com"
    host "mzstatic.com"

service applestore
    host "apps.apple.com" host "buy.itunes.apple.com"
    host-regex "^p[0-9]+-buy\.itunes\.apple\.com$"

service applepush
    host "push.apple.com" host "push-apple.com.akadns.net"

service applesiri
    host "guzzoni.apple.com" host "siri.apple.com"

service icloudprivaterelay
    host "mask.icloud.com" host "mask-h2.icloud.com" host "mask-api.icloud.com"

# --- Messaging and social --------------------------------------------------

service twitter
    host "twitter.com" host "twimg.com" host "t.co" host "x.com"
    host "twttr.com"

service tiktok
    host "tiktok.com" host "tiktokv.com" host "tiktokcdn.com"
    host "byteoversea.com" host "ibytedtos.com" host "musical.ly"
    host "tiktokcdn-us.com" host "tiktokv.us"

service snapchat
    host "snapchat.com" host "snap.com" host "snapads.com" host "sc-cdn.net"
    host "snapkit.com" host "sc-static.net" host "feelinsonice.appspot.com"

service telegram
    host "telegram.org" host "telegram.me" host "t.me" host "tdesktop.com"
    host "telegra.ph" host "telesco.pe"

service signal
    host "signal.org" host "whispersystems.org" host "signal.art"

service viber
    host "viber.com" host "cdn.viber.com"

service wechat
    host "wechat.com" host "wechatpay.com"
    host "weixinbridge.com"

service qq
    host "qq.com" host "qpic.cn" host "gtimg.cn" host "gtimg.com"
    host "idqqimg.com" host "qqmail.com"

service line
    host "line.me" host "line-apps.com" host "line-scdn.net" host "naver.jp"
    host "lin.ee"

service kakaotalk
    host "kakao.com" host "kakaocdn.net" host "kakao.co.kr"

service discord
    host "discord.com" host "discord.gg" host "discordapp.com"
    host "discordapp.net" host "discord.media" host "discordcdn.com"

service reddit
    host "reddit.com" host "redditmedia.com" host "redditstatic.com"
    host "redd.it" host "reddituploads.com"

service pinterest
    host "pinterest.com" host "pinimg.com" host "pin.it"

service tumblr
    host "tumblr.com"

service badoo
    host "badoo.com" host "badoocdn.com"

service likee
    host "like.video" host "likee.video"

service bluesky
    host "bsky.app" host "bsky.social" host "bsky.network"
    host "blueskyweb.xyz"

service mastodon
    host "mastodon.social" host "joinmastodon.org" host "mastodon.online"

service imo
    host "imo.im"

# --- Video and music -------------------------------------------------------

service netflix
    host "netflix.com" host "netflix.net" host "nflximg.net"
    host "nflximg.com" host "nflxvideo.net" host "nflxext.com"
    host "nflxso.net"

service twitch
    host "twitch.tv" host "ttvnw.net" host "jtvnw.net" host "twitchcdn.net"
    host "twitchsvc.net"

service vimeo
    host "vimeo.com" host "vimeocdn.com"

service hulu
    host "hulu.com" host "hulustream.com" host "huluim.com"

service disneyplus
    host "disneyplus.com" host "disney-plus.net" host "bamgrid.com"
    host "dssott.com"

service iflix
    host "iflix.com"

service zattoo
    host "zattoo.com"

service vevo
    host "vevo.com"

service iqiyi
    host "iqiyi.com" host "iqiyipic.com" host "qy.net" host "iq.com"

service 1kxun
    host "1kxun.com" host "1kxun.mobi"

service spotify
    host "spotify.com" host "scdn.co" host "spotifycdn.com" host "spoti.fi"
    host "pscdn.co"

service deezer
    host "deezer.com" host "dzcdn.net"

service soundcloud
    host "soundcloud.com" host "sndcdn.com"

service lastfm
    host "last.fm" host "lastfm.com" host "audioscrobbler.com"

service pandora
    host "pandora.com" host "p-cdn.com"

# --- Collaboration, calls and work -----------------------------------------

service zoom
    host "zoom.us" host "zoom.com" host "zoomgov.com" host "zoom.com.cn"

service webex
    host "webex.com" host "wbx2.com" host "webexconnect.com"
    host "ciscospark.com"

service slack
    host "slack.com" host "slack-edge.com" host "slack-msgs.com"
    host "slack-files.com" host "slack-imgs.com"

service gitlab
    host "gitlab.com" host "gitlab.io" host "gitlab-static.net"

service dropbox
    host "dropbox.com" host "dropboxstatic.com" host "dropboxapi.com"
    host "getdropbox.com" host "db.tt" host "dropboxusercontent.com"

service fuze
    host "fuze.com"

service adobeconnect
    host "adobeconnect.com"

service salesforce
    host "salesforce.com" host "force.com" host "salesforceliveagent.com"

service pastebin
    host "pastebin.com"

service chatgpt
    host "chatgpt.com" host "openai.com" host "oaistatic.com"
    host "oaiusercontent.com"

# --- Web, shopping, news ---------------------------------------------------

service wikipedia
    host "wikipedia.org" host "wikimedia.org" host "wikipedia.com"
    host "wikidata.org" host "wiktionary.org"
    host-regex "(^|\.)wikipedia\.[a-z]{2,3}$"

service ebay
    host "ebay.com" host "ebay.co.uk" host "ebay.de" host "ebay.it"
    host "ebayimg.com" host "ebaystatic.com" host "ebayrtm.com"

service cnn
    host "cnn.com"

service yahoo
    host "yahoo.com" host "yimg.com" host "yahooapis.com" host "yahoo.net"
    host "yahoodns.net"

service cloudflare
    host "cloudflare.com" host "cloudflare.net" host "cloudflareinsights.com"
    host "workers.dev" host "pages.dev"

service alibaba
    host "alibaba.com" host "aliexpress.com" host "alicdn.com"
    host "alibabacloud.com" host "aliyun.com" host "taobao.com"

service accuweather
    host "accuweather.com"

service ookla
    host "speedtest.net" host "ookla.com"

service opendns
    host "opendns.com" host "umbrella.com"

# --- Games -----------------------------------------------------------------

service steam
    host "steampowered.com" host "steamcommunity.com" host "steamstatic.com"
    host "steamcontent.com" host "steamserver.net" host "steamgames.com"

service playstation
    host "playstation.com" host "playstation.net"
    host "sonyentertainmentnetwork.com"

service nintendo
    host "nintendo.com" host "nintendo.net" host "nintendo.co.jp"

service activision
    host "activision.com" host "callofduty.com" host "demonware.net"

service electronicarts
    host "ea.com" host "origin.com" host "tnt-ea.com"
    host "origin-a.akamaihd.net"

service genshinimpact
    host "genshinimpact.com" host "hoyoverse.com" host "mihoyo.com"

service amongus
    host "innersloth.com"

service worldofwarcraft
    host "worldofwarcraft.com"

# --- Device makers, VPNs and others ----------------------------------------

service huawei
    host "huawei.com" host "hicloud.com" host "vmall.com" host "dbankcloud.com"

service huaweicloud
    host "cloud.huawei.com" host "huaweicloud.com" host "dbankcdn.com"
    host "myhuaweicloud.com"

service nordvpn
    host "nordvpn.com" host "nordcdn.com" host "nordvpn.net"

service surfshark
    host "surfshark.com"

service tailscale
    host "tailscale.com" host "tailscale.io" host "ts.net"

service hotspotshield
    host "hotspotshield.com"

service ubuntuone
    host "ubuntu.com" host "one.ubuntu.com" host "launchpad.net"

service nestlogsink
    host "logsink.devices.nest.com"

service avastsecuredns
    host "secure-dns.avast.com"

# --- Address blocks --------------------------------------------------------
#
# Only blocks that the service itself publishes, or that its own autonomous
# system announces, and that carry no other company's traffic (no cloud or
# CDN ranges: a block of Cloudflare, AWS or Azure would mislabel every
# customer's site).  A host name of the connection's own still wins.

# Telegram's published list, https://core.telegram.org/resources/cidr.txt.
service telegram
    ip "91.108.4.0/22" ip "91.108.8.0/22" ip "91.108.12.0/22"
    ip "91.108.16.0/22" ip "91.108.20.0/22" ip "91.108.56.0/22"
    ip "91.105.192.0/23" ip "149.154.160.0/20" ip "185.76.151.0/24"
    ip "2001:b28:f23c::/48" ip "2001:b28:f23d::/48" ip "2001:b28:f23f::/48"
    ip "2001:67c:4e8::/48" ip "2a0a:f280::/32"

# Meta (Facebook, Instagram, WhatsApp, Messenger): the aggregates announced
# by Facebook's AS32934 (RADb/RIPE route objects of AS32934).  They are
# labelled facebook; Instagram's and WhatsApp's own names override.
service facebook
    ip "31.13.24.0/21" ip "31.13.64.0/18" ip "45.64.40.0/22"
    ip "66.220.144.0/20" ip "69.63.176.0/20" ip "69.171.224.0/19"
    ip "74.119.76.0/22" ip "102.132.96.0/20" ip "103.4.96.0/22"
    ip "129.134.0.0/16" ip "157.240.0.0/16" ip "163.70.128.0/17"
    ip "173.252.64.0/18" ip "179.60.192.0/22" ip "185.60.216.0/22"
    ip "185.89.216.0/22" ip "204.15.20.0/22"
    ip "2620:0:1c00::/40" ip "2a03:2880::/32"

# Microsoft Teams media and signalling: the "Optimize" Teams ranges of
# Microsoft's published Microsoft 365 endpoint list (endpoints.office.com,
# service area Skype/Teams).
service teams
    ip "13.107.64.0/18" ip "52.112.0.0/14" ip "52.122.0.0/15"
    ip "2603:1063::/38"

# Cisco Webex: the IP subnets of Cisco's "Network Requirements for Webex
# Services" (Webex media and meeting servers).
service webex
    ip "62.109.192.0/18" ip "64.68.96.0/19" ip "66.114.160.0/20"
    ip "66.163.32.0/19" ip "69.26.160.0/19" ip "114.29.192.0/19"
    ip "150.253.128.0/17" ip "170.72.0.0/16" ip "170.133.128.0/18"
    ip "173.39.224.0/19" ip "173.243.0.0/20" ip "207.182.160.0/19"
    ip "209.197.192.0/19" ip "210.4.192.0/20" ip "216.151.128.0/19"
    ip "2402:2500::/32" ip "2607:fcf0::/32"

# Zoom: the ranges of Zoom's published firewall list ("Zoom network
# firewall or proxy server settings") that Zoom itself holds; the AWS,
# Azure and Oracle cloud ranges of that list are left out.
service zoom
    ip "8.5.128.0/24" ip "69.174.108.0/22" ip "101.36.167.0/24"
    ip "103.122.166.0/23" ip "144.195.0.0/16" ip "147.124.96.0/19"
    ip "149.137.0.0/17" ip "156.45.0.0/17" ip "159.124.0.0/16"
    ip "161.199.136.0/22" ip "162.12.232.0/22" ip "162.255.36.0/22"
    ip "170.114.0.0/16" ip "173.231.80.0/20" ip "192.204.12.0/22"
    ip "198.251.128.0/17" ip "204.80.104.0/21" ip "206.247.0.0/16"
    ip "2407:30c0:180::/48" ip "2407:30c0:181::/48"

# Netflix Open Connect: the aggregates of Netflix's AS2906.
service netflix
    ip "23.246.0.0/18" ip "37.77.184.0/21" ip "45.57.0.0/17"
    ip "64.120.128.0/17" ip "66.197.128.0/17" ip "108.175.32.0/20"
    ip "185.2.220.0/22" ip "185.9.188.0/22" ip "192.173.64.0/18"
    ip "198.38.96.0/19" ip "198.45.48.0/20" ip "2a00:86c0::/32"

# Apple: 17.0.0.0/8 is registered to Apple (ARIN NET-17, AS714).
service apple
    ip "17.0.0.0/8"
