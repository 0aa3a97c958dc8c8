# ovs-dpi signatures: services by host name (format: 00-core.sig).

# --- Services --------------------------------------------------------------

# Google: its own domains, the country domains google.TLD and google.co.TLD
# / google.com.TLD, static content, ads and analytics.
service google
    host "google.com" host "googleapis.com" host "gstatic.com"
    host "googleusercontent.com" host "googlesyndication.com"
    host "googleadservices.com" host "googletagmanager.com"
    host "googletagservices.com" host "google-analytics.com"
    host "doubleclick.net" host "app-measurement.com" host "gvt1.com"
    host "gvt2.com" host "goog" host "ampproject.org" host "android.com"
    host "gmail.com" host "withgoogle.com"
    host-regex "(^|\.)google\.(co\.|com\.)?[a-z]{2,3}$"

# YouTube, including its video (googlevideo.com) and image (ytimg.com,
# ggpht.com) servers.
service youtube
    host "youtube.com" host "youtu.be" host "youtube-nocookie.com"
    host "ytimg.com" host "googlevideo.com" host "ggpht.com"
    host "youtubei.googleapis.com" host "youtube.googleapis.com"

# Facebook and its CDN.  Instagram's names on the same CDN are longer
# suffixes, so they win (see service instagram).
service facebook
    host "facebook.com" host "facebook.net" host "fb.com" host "fbcdn.net"
    host "fbsbx.com" host "fb.me"

service netflix
    host "netflix.com" host "netflix.net" host "nflximg.net"
    host "nflximg.com" host "nflxvideo.net" host "nflxext.com"
    host "nflxso.net"

service instagram
    host "instagram.com" host "cdninstagram.com" host "ig.me"
    host-regex "^instagram\.[^.]+\.fna\.fbcdn\.net$"
    host-regex "^igcdn-photos-[^.]+\.akamaihd\.net$"
