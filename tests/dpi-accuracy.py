#!/usr/bin/env python3
# Copyright (c) 2026 The ovs-dpi authors.
#
# Licensed under the Apache License, Version 2.0 (the "License");
# you may not use this file except in compliance with the License.
# You may obtain a copy of the License at:
#
#     http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS,
# WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
# See the License for the specific language governing permissions and
# limitations under the License.

"""Measure dpi-classify's accuracy against the corpus oracle.

The corpus (DPI_CORPUS_DIR, see its README.md) holds pcaps and, per pcap,
an oracle TSV with nDPI's expected label (ndpi_app) and tshark's metadata
columns for every bidirectional flow.  This script gets our per-flow
output, either by running dpi-classify on every pcap (--classifier) or
from files written earlier (--predictions DIR), and measures:

  * flows: the share of oracle flows we report.  Flows are matched on
    (proto, vlan, unordered {(ip, port), (ip, port)}), as in the oracle.
  * master: agreement of our app_proto/app_id with nDPI's master protocol,
    over oracle flows whose ndpi_app is neither empty nor Unknown,
    synscan.pcap excluded.  Also per nDPI master protocol (master.NAME).
  * master_verdict: the same, counting only labels that are verdicts of
    inspection (state done), not port-based guesses (state unknown).
  * app: the same for nDPI's App part of `Master.App' labels.
  * field.NAME: exact agreement with tshark for each metadata field, over
    flows where either side has a value.  Values are compared as SETS of
    %-decoded values: order and repetitions do not matter.
  * quic_sni_interop: the number of flows of quic_interop_V.pcapng whose
    QUIC SNI we report exactly as tshark does (a count, not a percent).

An oracle flow we do not report counts as a disagreement wherever it is in
a denominator; a flow we report that the oracle does not have counts as a
disagreement for each metadata field we give it a value for.

It prints a summary, optionally writes a Markdown report (--report; a
hand-written section between the HAND-WRITTEN markers is preserved), and
with --check FLOORS exits 1 when a figure is below its floor or when the
classifier failed or printed malformed output.  Without a corpus it prints
SKIP and exits 77.  --self-test checks this script with fake predictions
made from the oracle.
"""

import argparse
import collections
import concurrent.futures
import ipaddress
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import urllib.parse

EXIT_SKIP = 77
EXIT_HARD_ERROR = 99

# Metadata columns compared with tshark, in report order.
FIELDS = ['http_host', 'http_uri', 'http_user_agent', 'tls_sni', 'quic_sni',
          'dns_qname', 'sip_from_user', 'sip_to_user']

# Columns our output must have (found by header name, in any order).
REQUIRED_COLUMNS = (['proto', 'client_ip', 'client_port', 'server_ip',
                     'server_port', 'packets', 'bytes', 'app_proto', 'app_id',
                     'category'] + FIELDS + ['vlan', 'encap', 'state'])

# Excluded from the label figures: 1,844 SYN-only flows nDPI calls Unknown.
LABEL_EXCLUDED_PCAPS = {'synscan.pcap'}

# tshark decrypts the QUIC Initials of these flows; nDPI reports no SNI.
QUIC_INTEROP_PCAP = 'quic_interop_V.pcapng'

UNKNOWN = 'unknown'

# Our `state' of a connection whose label is a verdict of inspection (a
# payload match or a parser's YES, an IP protocol or address rule), as
# opposed to the port-based guess made when inspection ends without one.
VERDICT_STATE = 'done'

# nDPI names whose normalised form is not the name of the same protocol in
# lib/dpi-apps.def: normalised nDPI name -> (our names, reason).  Either of
# our names counts as agreement.  Normalisation alone already covers
# spelling variants such as nDPI 4.11 'IPSec' vs 4.2 'IPsec' (-> ipsec),
# 'MsSQL-TDS' (-> mssql_tds) and 'Whois-DAS' (-> whois_das).  nDPI names
# with no counterpart in our registry (SRTP, NAT-PMP, Ceph, WebDAV, ...) get
# no alias: we cannot agree on them, and the report marks them.
ALIASES = {
    'resp': (('redis',),
             "nDPI 4.11 renamed its 'Redis' protocol to 'RESP' (the Redis "
             "serialisation protocol); the registry keeps 4.2's 'redis'."),
    'dcerpc': (('dce_rpc',),
               "nDPI 4.11 writes 'DCERPC', 4.2 wrote 'DCE_RPC'; the registry "
               "uses 'dce_rpc'."),
    'skype_teamscall': (('skype_teams', 'skypecall'),
                        "nDPI 4.11 'Skype_TeamsCall' is the Skype/Teams call "
                        "traffic that 4.2 called 'SkypeCall'; the registry "
                        "has 'skype_teams' (Skype and Teams calls) and "
                        "'skypecall'."),
    'gtp': (('gtp', 'gtp_c', 'gtp_u', 'gtp_prime'),
            "nDPI's master 'GTP' is the protocol family, its App part "
            "names the plane ('GTP.GTP_C'); the registry has one entry "
            "per plane ('gtp_c', 'gtp_u', 'gtp_prime') besides 'gtp'."),
    'googlecall': (('googlehangoutduo',),
                   "nDPI 4.11 renamed 'GoogleHangoutDuo' to 'GoogleCall'."),
    'vibervoip': (('viber',),
                  "nDPI 4.11 splits 'ViberVoip' from 'Viber'; the registry "
                  "has one 'viber' entry (category voip)."),
}

BEGIN_MARK = '<!-- BEGIN HAND-WRITTEN: keep this section; the generator ' \
             'copies it unchanged -->'
END_MARK = '<!-- END HAND-WRITTEN -->'
HAND_WRITTEN_DEFAULT = """\
## Disagreements where we believe nDPI is wrong

Hand-written.  One entry per case: pcap, flow, nDPI's label, ours, and the
evidence (packet bytes, RFC, tshark dissection) that nDPI is wrong.

_None recorded yet._
"""


def normalise(name):
    """nDPI name -> our registry spelling: lowercase, non-alnum -> '_'."""
    return re.sub(r'[^a-z0-9]', '_', name.lower())


def accepted_names(ndpi_name):
    """Our names that agree with the nDPI protocol or app NDPI_NAME."""
    norm = normalise(ndpi_name)
    if norm in ALIASES:
        return set(ALIASES[norm][0])
    return {norm}


def decode_cell(cell):
    """The set of %-decoded values of a TSV cell ('|'-joined)."""
    return {urllib.parse.unquote(v) for v in cell.split('|') if v}


def canon_ip(text):
    """TEXT as a canonical address string (RFC 5952 for IPv6)."""
    try:
        return ipaddress.ip_address(text).compressed
    except ValueError:
        return text.lower()


def flow_key(row):
    """The oracle's flow key of ROW: proto, vlan, unordered endpoints."""
    ends = frozenset([(canon_ip(row['client_ip']), int(row['client_port'])),
                      (canon_ip(row['server_ip']), int(row['server_port']))])
    return (row['proto'].lower(), int(row['vlan'] or 0), ends)


def flow_text(row):
    """A short human-readable description of ROW's flow."""
    def ep(ip, port):
        return ('[%s]:%s' % (ip, port)) if ':' in ip else '%s:%s' % (ip, port)
    s = '%s %s -> %s' % (row['proto'],
                         ep(row['client_ip'], row['client_port']),
                         ep(row['server_ip'], row['server_port']))
    if row.get('vlan') not in (None, '', '0'):
        s += ' vlan %s' % row['vlan']
    return s


def our_label(row):
    """Our label of ROW (None: no such flow) as `proto' or `proto.app'."""
    if row is None:
        return '(no flow)'
    proto, app = row['app_proto'], row['app_id']
    if app in ('', UNKNOWN, proto):
        return proto or UNKNOWN
    return '%s.%s' % (proto, app)


def our_names(row):
    """The set of known names we gave ROW (None: no flow)."""
    if row is None:
        return set()
    return {row['app_proto'], row['app_id']} - {'', UNKNOWN}


# ---------------------------------------------------------------------------
# Input.

class Oracle:
    """The corpus: pcap names and per-pcap oracle flows."""

    def __init__(self, corpus):
        self.corpus = corpus
        self.pcaps = sorted(os.listdir(os.path.join(corpus, 'pcap')))
        self.flows = {}        # pcap -> list of row dicts (tshark-seen only).
        self.ndpi_only = 0     # Rows only ndpiReader 4.2 reports (skipped).
        for pcap in self.pcaps:
            path = os.path.join(corpus, 'oracle', pcap + '.tsv')
            with open(path, encoding='utf-8', newline='') as f:
                lines = f.read().split('\n')
            header = [h.lstrip('#') for h in lines[0].split('\t')]
            rows = []
            for line in lines[1:]:
                if not line:
                    continue
                row = dict(zip(header, line.split('\t')))
                row['pcap'] = pcap
                if 'tshark' not in row['seen_by'].split(',') and \
                   'ndpi' not in row['seen_by'].split(','):
                    self.ndpi_only += 1
                    continue
                rows.append(row)
            self.flows[pcap] = rows


def load_registry(srcdir):
    """(app names, category names) from SRCDIR/lib, or None if absent."""
    apps_def = os.path.join(srcdir, 'lib', 'dpi-apps.def')
    cats_def = os.path.join(srcdir, 'lib', 'dpi-categories.def')
    if not (os.path.exists(apps_def) and os.path.exists(cats_def)):
        return None
    with open(apps_def) as f:
        apps = set(re.findall(r'^DPI_APP\(\s*\d+\s*,\s*(\w+)\s*,', f.read(),
                              re.M))
    with open(cats_def) as f:
        cats = set(re.findall(r'^DPI_CATEGORY\(\s*\d+\s*,\s*(\w+)\s*\)',
                              f.read(), re.M))
    return apps, cats


def parse_output(text, source, default_pcap, registry, errors):
    """Parse dpi-classify output TEXT into {pcap: [row, ...]}.

    SOURCE names the text in error messages; DEFAULT_PCAP is the pcap
    for rows before any `# file:' line (None: such rows are an error).
    Problems are appended to ERRORS."""
    result = {}
    pcap, header = default_pcap, None
    if pcap is not None:
        result.setdefault(pcap, [])
    for lineno, line in enumerate(text.split('\n'), 1):
        where = '%s:%d' % (source, lineno)
        if line.startswith('# file:'):
            pcap = os.path.basename(line[len('# file:'):].strip())
            header = None
            result.setdefault(pcap, [])
            continue
        if not line:
            continue
        if line.startswith('#'):
            if header is None:
                header = [h.strip().lstrip('#').strip()
                          for h in line.split('\t')]
                missing = [c for c in REQUIRED_COLUMNS if c not in header]
                if missing:
                    errors.append('%s: header lacks %s'
                                  % (where, ', '.join(missing)))
                    header = []
            continue
        if pcap is None or header is None:
            errors.append('%s: data row before a "# file:" line and a '
                          'header' % where)
            continue
        if not header:
            continue            # Bad header, already reported.
        cells = line.split('\t')
        if len(cells) != len(header):
            errors.append('%s: %d cells, header has %d'
                          % (where, len(cells), len(header)))
            continue
        row = dict(zip(header, cells))
        row['pcap'] = pcap
        try:
            flow_key(row)
        except ValueError:
            errors.append('%s: bad port or vlan' % where)
            continue
        if registry is not None:
            apps, cats = registry
            for col, names in (('app_proto', apps), ('app_id', apps),
                               ('category', cats)):
                if row[col] not in names:
                    errors.append('%s: %s %r is not in the registry'
                                  % (where, col, row[col]))
        result[pcap].append(row)
    return result


def run_classifier(classifier, oracle, jobs, save_dir, registry, errors):
    """Run CLASSIFIER on every pcap; return {pcap: [row, ...]}."""
    def one(pcap):
        path = os.path.join(oracle.corpus, 'pcap', pcap)
        try:
            proc = subprocess.run([classifier, path], stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, timeout=300)
        except (OSError, subprocess.TimeoutExpired) as e:
            return pcap, '', None, str(e)
        return (pcap, proc.stdout.decode('utf-8', 'replace'), proc.returncode,
                proc.stderr.decode('utf-8', 'replace'))

    preds = {}
    with concurrent.futures.ThreadPoolExecutor(max(1, jobs)) as ex:
        for pcap, out, rc, err in ex.map(one, oracle.pcaps):
            if rc != 0:
                tail = ' '.join(err.strip().splitlines()[-2:])
                errors.append('%s: dpi-classify %s: %s'
                              % (pcap, 'failed' if rc is None
                                 else 'exited with %d' % rc, tail))
            if save_dir:
                with open(os.path.join(save_dir, pcap + '.tsv'), 'w',
                          encoding='utf-8') as f:
                    f.write(out)
            for name, rows in parse_output(out, pcap, pcap, registry,
                                           errors).items():
                if name != pcap:
                    errors.append('%s: output names file %s' % (pcap, name))
                preds.setdefault(pcap, []).extend(rows)
    return preds


def read_predictions(pred_dir, pcaps, registry, errors):
    """Read every file in PRED_DIR; return {pcap: [row, ...]}.

    A file holds `# file:' sections, or is one pcap's output named after
    the pcap (PCAP or PCAP.tsv, PCAP one of PCAPS)."""
    preds = {}
    for name in sorted(os.listdir(pred_dir)):
        path = os.path.join(pred_dir, name)
        if not os.path.isfile(path):
            continue
        with open(path, encoding='utf-8', errors='replace',
                  newline='') as f:
            text = f.read()
        default = None
        for cand in (name, name[:-4] if name.endswith('.tsv') else None):
            if cand in pcaps:
                default = cand
        for pcap, rows in parse_output(text, name, default, registry,
                                       errors).items():
            preds.setdefault(pcap, []).extend(rows)
    return preds


# ---------------------------------------------------------------------------
# Scoring.

def pct(num, den):
    """NUM/DEN as a percentage, None when DEN is 0."""
    return 100.0 * num / den if den else None


class Result:
    """All figures and disagreement lists of one comparison."""

    def __init__(self):
        self.figures = collections.OrderedDict()  # name -> value.
        self.counts = {}       # name -> (agree, total) behind a percent.
        self.pairs = []        # (oracle row, our row or None).
        self.extra = []        # Our rows with no oracle flow.
        self.master = []       # (oracle row, ours, agree) of the master set.
        self.per_master = collections.OrderedDict()
        self.app = []          # (oracle row, ours, agree) of the app set.
        self.fields = {}       # field -> dict of counters and examples.
        self.quic_interop = (0, 0)
        self.unknown_labelled = []    # (oracle row, ours): nDPI Unknown.
        self.labelled_unknown = []    # (oracle row, ours): we say unknown.
        self.registry_apps = None     # Our app names, to mark nDPI's others.


def score(oracle, preds):
    """Compare PREDS ({pcap: rows}) with ORACLE; return a Result."""
    res = Result()
    for pcap in oracle.pcaps:
        by_key = collections.defaultdict(list)
        for row in preds.get(pcap, []):
            by_key[flow_key(row)].append(row)
        for orow in oracle.flows[pcap]:
            cand = by_key.get(flow_key(orow))
            res.pairs.append((orow, cand.pop(0) if cand else None))
        for rows in by_key.values():
            res.extra.extend(rows)
    for pcap in sorted(set(preds) - set(oracle.pcaps)):
        res.extra.extend(preds[pcap])

    matched = sum(1 for _, p in res.pairs if p is not None)
    res.figures['flows'] = pct(matched, len(res.pairs))
    res.counts['flows'] = (matched, len(res.pairs))

    # Labels.
    per = collections.defaultdict(lambda: [0, 0])
    for orow, p in res.pairs:
        label = orow['ndpi_app']
        master, _, app = label.partition('.')
        if not label:
            continue
        if master == 'Unknown':
            if our_names(p):
                res.unknown_labelled.append((orow, p))
            continue
        if orow['pcap'] in LABEL_EXCLUDED_PCAPS:
            continue
        ours = our_names(p)
        ok = bool(accepted_names(master) & ours)
        res.master.append((orow, p, ok))
        per[master][0] += ok
        per[master][1] += 1
        if p is not None and not ours:
            res.labelled_unknown.append((orow, p))
        if app:
            res.app.append((orow, p, bool(accepted_names(app) & ours)))
    agree = sum(ok for _, _, ok in res.master)
    res.figures['master'] = pct(agree, len(res.master))
    res.counts['master'] = (agree, len(res.master))
    agree = sum(1 for _, p, ok in res.master
                if ok and p.get('state') == VERDICT_STATE)
    res.figures['master_verdict'] = pct(agree, len(res.master))
    res.counts['master_verdict'] = (agree, len(res.master))
    agree = sum(ok for _, _, ok in res.app)
    res.figures['app'] = pct(agree, len(res.app))
    res.counts['app'] = (agree, len(res.app))
    for master, (a, t) in sorted(per.items(), key=lambda kv: (-kv[1][1],
                                                              kv[0])):
        res.per_master[master] = (a, t)

    # Metadata fields.
    for field in FIELDS:
        st = {'total': 0, 'agree': 0, 'only_tshark': 0, 'only_ours': 0,
              'differ': 0, 'examples': collections.defaultdict(list)}
        items = [(o, p) for o, p in res.pairs] + [(None, p)
                                                  for p in res.extra]
        for orow, p in items:
            tv = decode_cell(orow[field]) if orow else set()
            ov = decode_cell(p[field]) if p else set()
            if not tv and not ov:
                continue
            st['total'] += 1
            if tv == ov:
                st['agree'] += 1
                continue
            kind = ('only_tshark' if not ov else
                    'only_ours' if not tv else 'differ')
            st[kind] += 1
            st['examples'][kind].append((orow, p))
        res.fields[field] = st
        res.figures['field.' + field] = pct(st['agree'], st['total'])
        res.counts['field.' + field] = (st['agree'], st['total'])

    have = agree = 0
    for orow, p in res.pairs:
        if orow['pcap'] == QUIC_INTEROP_PCAP and orow['quic_sni']:
            have += 1
            agree += (p is not None and decode_cell(p['quic_sni'])
                      == decode_cell(orow['quic_sni']))
    res.quic_interop = (agree, have)
    res.figures['quic_sni_interop'] = agree

    for master, (a, t) in res.per_master.items():
        res.figures['master.' + normalise(master)] = pct(a, t)
        res.counts['master.' + normalise(master)] = (a, t)
    return res


def read_floors(path):
    """[(name, floor)] from PATH; raise ValueError on a bad line."""
    floors = []
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.split('#', 1)[0].strip()
            if not line:
                continue
            parts = line.split()
            if len(parts) != 2:
                raise ValueError('%s:%d: expected "name minimum"' % (path, n))
            floors.append((parts[0], float(parts[1]), n))
    return floors


def fmt(name, value):
    """VALUE of figure NAME for display."""
    if value is None:
        return 'n/a'
    if name == 'quic_sni_interop':
        return '%d' % value
    return '%.2f%%' % value


# ---------------------------------------------------------------------------
# Report.

def md_value(row, field, limit=100):
    """ROW's FIELD cell, escaped as in the oracle, as inline Markdown."""
    if row is None:
        return '(no flow)'
    cell = row[field]
    if not cell:
        return '(empty)'
    cell = cell.replace('`', '%60')
    if len(cell) > limit:
        cell = cell[:limit] + '...'
    return '`%s`' % cell


def pcap_counts(rows, limit=8):
    """`a.pcap (3), b.pcap (1)' for the pcaps of ROWS."""
    c = collections.Counter(r['pcap'] for r in rows)
    items = ['%s (%d)' % (k, v) for k, v in c.most_common(limit)]
    if len(c) > limit:
        items.append('and %d more pcaps' % (len(c) - limit))
    return ', '.join(items)


def write_groups(w, items, title, cap, note):
    """Write ITEMS, (group, oracle row, our row) triples, grouped.

    TITLE % group heads a group (largest first); at most CAP flows are
    listed per group, each followed by NOTE(oracle row, our row)."""
    groups = collections.defaultdict(list)
    for g, o, p in items:
        groups[g].append((o, p))
    if not groups:
        w('None.')
        w('')
        return
    for g, rows in sorted(groups.items(), key=lambda kv: (-len(kv[1]),
                                                          kv[0])):
        w('* %s: %d flows; %s' % (title % g, len(rows),
                                  pcap_counts([o for o, _ in rows])))
        for o, p in rows[:cap]:
            w('  * %s: `%s`%s' % (o['pcap'], flow_text(o), note(o, p)))
    w('')


def read_hand_written(path):
    """The hand-written section of the report at PATH, or the default."""
    try:
        with open(path, encoding='utf-8') as f:
            text = f.read()
    except FileNotFoundError:
        return HAND_WRITTEN_DEFAULT
    b, e = text.find(BEGIN_MARK), text.find(END_MARK)
    if b < 0 or e < b:
        return HAND_WRITTEN_DEFAULT
    return text[b + len(BEGIN_MARK):e].strip('\n') + '\n'


def write_report(path, res, oracle, command, source, errors, cap):
    """Write the Markdown report of RES to PATH."""
    hand = read_hand_written(path)
    out = []
    w = out.append
    w('<!-- Generated by tests/dpi-accuracy.py; edit only the hand-written '
      'section. -->')
    w('# Classification accuracy against the corpus oracle')
    w('')
    w('Generated by `tests/dpi-accuracy.py` with:')
    w('')
    w('    ' + command)
    w('')
    w('Our output: %s.  Reference: `%s` (%d pcaps), whose oracle TSVs hold '
      "nDPI 4.11-dev's expected labels (`ndpi_app`) and tshark's metadata. "
      'Regenerate with the same command; everything outside the '
      'hand-written section is overwritten.' % (source, oracle.corpus,
                                                len(oracle.pcaps)))
    w('')
    w('## Summary')
    w('')
    w('| figure | value | agree / total |')
    w('|---|---|---|')
    for name, value in res.figures.items():
        if name.startswith('master.'):
            continue
        if name == 'quic_sni_interop':
            cnt = '%d / %d' % res.quic_interop
        else:
            cnt = '%d / %d' % res.counts[name]
        w('| %s | %s | %s |' % (name, fmt(name, value), cnt))
    w('')
    w('Definitions:')
    w('')
    w('* Flows match on (proto, vlan, unordered endpoint pair).  An oracle '
      'flow we do not report counts as a disagreement in every figure whose '
      'denominator it is in.')
    w('* `master`: over flows whose `ndpi_app` is not empty and not '
      '`Unknown`, except %s.  nDPI\'s label is `Master.App` or `Master`; '
      'we agree when the normalised Master (lowercase, every character '
      'other than a letter or digit -> `_`, then the alias table) equals '
      'our app_proto or our app_id.' % ', '.join(sorted(LABEL_EXCLUDED_PCAPS)))
    w('* `master_verdict`: the same flows and test as `master`, counting '
      'only our labels that are verdicts (state `%s`): a port-based guess '
      '(state `unknown`, made when inspection ends without a verdict) '
      'counts as a disagreement.' % VERDICT_STATE)
    w('* `app`: the same test on the App part, over those labels that have '
      'one.')
    w('* `field.*`: over flows where tshark or we have a value; the cell is '
      'split at `|`, each value %-decoded, and the two SETS of values must be '
      'equal (order and repeats ignored).  Our flows that the oracle lacks '
      'count when we give them a value.')
    w('* `quic_sni_interop`: flows of %s whose QUIC SNI equals tshark\'s '
      '(a count; tshark has one for %d flows, nDPI for none).'
      % (QUIC_INTEROP_PCAP, res.quic_interop[1]))
    w('')
    if errors:
        w('## Errors')
        w('')
        for e in errors[:cap * 5]:
            w('* ' + e)
        if len(errors) > cap * 5:
            w('* ... %d more' % (len(errors) - cap * 5))
        w('')

    w('## Flow matching')
    w('')
    missing = [o for o, p in res.pairs if p is None]
    w('Oracle flows: %d (%d rows that only ndpiReader 4.2 reports, outer '
      'tunnel flows, are left out).  We report %d of them; %d are missing; '
      'we report %d flows the oracle does not have.'
      % (len(res.pairs), oracle.ndpi_only, len(res.pairs) - len(missing),
         len(missing), len(res.extra)))
    w('')
    for title, rows in (('Oracle flows we do not report', missing),
                        ('Our flows the oracle does not have', res.extra)):
        if not rows:
            continue
        w('### %s (%d)' % (title, len(rows)))
        w('')
        w('By pcap: ' + pcap_counts(rows, 20) + '.')
        w('')
        for r in rows[:cap * 3]:
            w('* %s: `%s`' % (r['pcap'], flow_text(r)))
        if len(rows) > cap * 3:
            w('* ... %d more' % (len(rows) - cap * 3))
        w('')

    w('## Master protocol agreement with nDPI')
    w('')
    a, t = res.counts['master']
    w('Overall: %d of %d flows, %s.'
      % (a, t, fmt('master', res.figures['master'])))
    w('')
    w('Aliases (normalised nDPI name -> our names):')
    w('')
    for k, (names, why) in sorted(ALIASES.items()):
        w('* `%s` -> %s: %s' % (k, ', '.join('`%s`' % n for n in names), why))
    w('')
    registry = res.registry_apps
    w('| nDPI master | our name | flows | agree | % |')
    w('|---|---|---|---|---|')
    for master, (a, t) in res.per_master.items():
        names = sorted(accepted_names(master))
        note = '/'.join(names)
        if registry is not None and not set(names) & registry:
            note += ' (not in registry)'
        w('| %s | %s | %d | %d | %.1f |' % (master, note, t, a, 100.0 * a / t))
    w('')
    a, t = res.counts['app']
    w('App part (`Master.App`): %d of %d flows, %s.'
      % (a, t, fmt('app', res.figures['app'])))
    w('')
    syn = sum(1 for o, _ in res.unknown_labelled
              if o['pcap'] in LABEL_EXCLUDED_PCAPS)
    w('### nDPI says Unknown, we label (%d flows, %d of them in %s)'
      % (len(res.unknown_labelled), syn,
         ', '.join(sorted(LABEL_EXCLUDED_PCAPS))))
    w('')
    write_groups(w, [(our_label(p), o, p) for o, p in res.unknown_labelled],
                 'ours `%s`', cap, lambda o, p: '')
    missing = sum(1 for _, p, _ in res.master if p is None)
    w('### nDPI labels, we say unknown (%d flows; %d more we do not report)'
      % (len(res.labelled_unknown), missing))
    w('')
    write_groups(w, [(o['ndpi_app'].partition('.')[0], o, p)
                     for o, p in res.labelled_unknown],
                 'nDPI `%s`', cap, lambda o, p: ' (`%s`)' % o['ndpi_app'])

    w('## Metadata fields against tshark')
    w('')
    w('| field | flows | agree | % | only tshark | only ours | both, '
      'different |')
    w('|---|---|---|---|---|---|---|')
    for field in FIELDS:
        st = res.fields[field]
        w('| %s | %d | %d | %s | %d | %d | %d |'
          % (field, st['total'], st['agree'],
             fmt('', pct(st['agree'], st['total'])).rstrip('%'),
             st['only_tshark'], st['only_ours'], st['differ']))
    w('')
    w('QUIC SNI in %s: %d of the %d flows tshark has one for.'
      % ((QUIC_INTEROP_PCAP,) + res.quic_interop))
    w('')

    w('## Disagreements')
    w('')
    w('Grouped; at most %d examples per group.' % cap)
    w('')
    w('### Master protocol (nDPI master -> ours)')
    w('')
    write_groups(w, [((o['ndpi_app'].partition('.')[0], our_label(p)), o, p)
                     for o, p, ok in res.master if not ok],
                 'nDPI `%s`, ours `%s`', cap,
                 lambda o, p: ' (`%s`)' % o['ndpi_app'])
    w('### App part (nDPI app -> ours)')
    w('')
    write_groups(w, [((o['ndpi_app'].partition('.')[2], our_label(p)), o, p)
                     for o, p, ok in res.app if not ok],
                 'nDPI `%s`, ours `%s`', cap,
                 lambda o, p: ' (`%s`)' % o['ndpi_app'])
    for field in FIELDS:
        ex = res.fields[field]['examples']
        if not any(ex.values()):
            continue
        w('### %s' % field)
        w('')
        for kind, title in (('only_tshark', 'only tshark has a value'),
                            ('only_ours', 'only we have a value'),
                            ('differ', 'both have values, different')):
            items = ex.get(kind, [])
            if not items:
                continue
            w('* %s: %d flows; %s' % (title, len(items), pcap_counts(
                [o or p for o, p in items])))
            for o, p in items[:cap]:
                r = o or p
                w('  * %s: `%s`: tshark %s, ours %s'
                  % (r['pcap'], flow_text(r), md_value(o, field),
                     md_value(p, field)))
        w('')
    w(BEGIN_MARK)
    w(hand.rstrip('\n'))
    w(END_MARK)
    w('')
    tmp = path + '.tmp'
    with open(tmp, 'w', encoding='utf-8') as f:
        f.write('\n'.join(out))
    os.replace(tmp, path)


# ---------------------------------------------------------------------------
# Main.

def summary_line(res, errors):
    """A one-line summary of RES."""
    parts = ['%s %s' % (n, fmt(n, res.figures[n]))
             for n in ['flows', 'master', 'master_verdict', 'app']]
    fields = [res.figures['field.' + f] for f in FIELDS]
    known = [v for v in fields if v is not None]
    parts.append('fields min %s' % (fmt('', min(known)) if known else 'n/a'))
    parts.append('quic_sni_interop %d/%d' % res.quic_interop)
    parts.append('%d errors' % len(errors))
    return 'accuracy: ' + ', '.join(parts)


def main(argv):
    ap = argparse.ArgumentParser(
        description=__doc__.split('\n\n')[0],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--corpus', default=os.environ.get('DPI_CORPUS_DIR'),
                    help='corpus directory (default: $DPI_CORPUS_DIR)')
    src = ap.add_mutually_exclusive_group()
    src.add_argument('--classifier', metavar='PATH',
                     help='dpi-classify binary to run on every pcap')
    src.add_argument('--predictions', metavar='DIR',
                     help='directory of saved dpi-classify outputs')
    ap.add_argument('--save-outputs', metavar='DIR',
                    help='with --classifier: keep the outputs in DIR')
    ap.add_argument('--report', metavar='FILE',
                    help='write the Markdown report (e.g. docs/ACCURACY.md)')
    ap.add_argument('--check', metavar='FLOORS',
                    help='exit 1 if a figure is below its floor in FLOORS')
    ap.add_argument('--json', metavar='FILE', help='write the figures as JSON')
    ap.add_argument('--jobs', type=int, default=2, help='parallel runs')
    ap.add_argument('--cap', type=int, default=5,
                    help='examples per disagreement group in the report')
    ap.add_argument('--srcdir', default=os.environ.get(
        'DPI_SRCDIR', os.path.join(os.path.dirname(
            os.path.abspath(__file__)), '..')),
        help='source tree, for lib/dpi-apps.def (default: $DPI_SRCDIR)')
    ap.add_argument('--no-validate-names', action='store_true',
                    help='do not check names against lib/*.def')
    ap.add_argument('--self-test', action='store_true',
                    help='test this script with fake predictions')
    args = ap.parse_args(argv)

    if not args.corpus or not os.path.isdir(
            os.path.join(args.corpus, 'pcap')) or not os.path.isdir(
            os.path.join(args.corpus, 'oracle')):
        print('SKIP: dpi-accuracy: corpus not found (set DPI_CORPUS_DIR or '
              '--corpus)')
        return EXIT_SKIP
    if args.self_test:
        return self_test(args.corpus)
    if not args.classifier and not args.predictions:
        ap.error('one of --classifier or --predictions is required')

    floors = None
    if args.check:
        try:
            floors = read_floors(args.check)
        except (OSError, ValueError) as e:
            print('ERROR: %s' % e, file=sys.stderr)
            return EXIT_HARD_ERROR

    full_registry = load_registry(args.srcdir)
    if full_registry is None and not args.no_validate_names:
        print('warning: %s/lib/dpi-apps.def not found; names not checked'
              % args.srcdir, file=sys.stderr)
    registry = None if args.no_validate_names else full_registry

    oracle = Oracle(args.corpus)
    errors = []
    if args.classifier:
        if not os.access(args.classifier, os.X_OK):
            print('ERROR: %s is not executable' % args.classifier,
                  file=sys.stderr)
            return EXIT_HARD_ERROR
        if args.save_outputs:
            os.makedirs(args.save_outputs, exist_ok=True)
        preds = run_classifier(args.classifier, oracle, args.jobs,
                               args.save_outputs, registry, errors)
        source = 'output of `%s`' % args.classifier
    else:
        preds = read_predictions(args.predictions, set(oracle.pcaps),
                                 registry, errors)
        source = 'saved outputs in `%s`' % args.predictions
    for pcap in oracle.pcaps:
        if pcap not in preds:
            errors.append('%s: no output' % pcap)
    for pcap in sorted(set(preds) - set(oracle.pcaps)):
        errors.append('%s: output for a pcap not in the corpus' % pcap)

    res = score(oracle, preds)
    if full_registry is not None:
        res.registry_apps = full_registry[0]

    command = ' '.join(shlex.quote(a) for a in
                       ['python3', 'tests/dpi-accuracy.py'] + argv)
    if args.report:
        write_report(args.report, res, oracle, command, source, errors,
                     args.cap)
    if args.json:
        with open(args.json, 'w') as f:
            json.dump({'figures': res.figures, 'counts': res.counts,
                       'quic_interop': res.quic_interop,
                       'unmatched_oracle': sum(1 for _, p in res.pairs
                                               if p is None),
                       'unmatched_ours': len(res.extra),
                       'unknown_labelled': len(res.unknown_labelled),
                       'labelled_unknown': len(res.labelled_unknown),
                       'fields': {f: {k: v for k, v in st.items()
                                      if k != 'examples'}
                                  for f, st in res.fields.items()},
                       'errors': errors}, f, indent=1, sort_keys=True)

    for e in errors[:20]:
        print('error: ' + e, file=sys.stderr)
    if len(errors) > 20:
        print('error: ... %d more' % (len(errors) - 20), file=sys.stderr)
    if floors is None:
        print(summary_line(res, errors))
        return 0

    failed = []
    for name, floor, line in floors:
        if name not in res.figures:
            if name.startswith('master.'):
                value = None    # Protocol absent from this corpus.
            else:
                print('ERROR: %s:%d: no figure named %s'
                      % (args.check, line, name), file=sys.stderr)
                return EXIT_HARD_ERROR
        else:
            value = res.figures[name]
        if value is None or value < floor:
            cnt = res.counts.get(name)
            failed.append('%s %s < floor %g%s'
                          % (name, fmt(name, value), floor,
                             ' (%d/%d)' % cnt if cnt else ''))
    for f in failed:
        print('BELOW FLOOR: ' + f)
    status = 'FAIL' if failed or errors else 'PASS'
    print('%s %s; %d of %d floors met' % (status, summary_line(res, errors),
                                          len(floors) - len(failed),
                                          len(floors)))
    return 1 if failed or errors else 0


# ---------------------------------------------------------------------------
# Self-test: fake predictions made from the oracle.

FAKE_EXTRA_COLUMNS = ['http_method', 'tls_alpn', 'rtt_us']


def fake_row(orow, swap, reverse):
    """Our output row that agrees perfectly with oracle row OROW."""
    master, _, app = orow['ndpi_app'].partition('.')
    if master in ('', 'Unknown'):
        proto = appid = UNKNOWN
    else:
        proto = sorted(accepted_names(master))[0]
        appid = sorted(accepted_names(app))[0] if app else proto
    row = {c: orow.get(c, '') for c in REQUIRED_COLUMNS}
    row.update(app_proto=proto, app_id=appid, category='unspecified',
               state='done', http_method='GET', tls_alpn='h2', rtt_us='7')
    if swap:
        row['client_ip'], row['server_ip'] = row['server_ip'], row['client_ip']
        row['client_port'], row['server_port'] = (row['server_port'],
                                                  row['client_port'])
    if reverse:
        for f in FIELDS:
            row[f] = '|'.join(reversed(row[f].split('|')))
    return row


def write_fake(outdir, oracle, rows_by_pcap):
    """Write ROWS_BY_PCAP to OUTDIR: half per-pcap files, half combined."""
    cols = REQUIRED_COLUMNS + FAKE_EXTRA_COLUMNS
    combined = []
    for i, pcap in enumerate(oracle.pcaps):
        text = ['# file: /some/where/pcap/' + pcap, '#' + '\t'.join(cols)]
        text += ['\t'.join(r[c] for c in cols) for r in rows_by_pcap[pcap]]
        if i % 2:
            combined.extend(text)
        else:
            with open(os.path.join(outdir, pcap + '.tsv'), 'w') as f:
                f.write('\n'.join(text) + '\n')
    with open(os.path.join(outdir, 'combined.out'), 'w') as f:
        f.write('\n'.join(combined) + '\n')


def self_test(corpus):
    """Check the scorer with a perfect and a perturbed fake; 0 if good."""
    oracle = Oracle(corpus)
    me = os.path.abspath(__file__)
    tmp = tempfile.mkdtemp(prefix='dpi-accuracy-')
    problems = []

    def expect(what, got, want):
        status = 'ok' if got == want else 'MISMATCH'
        print('  %-40s got %-12s want %-12s %s' % (what, got, want, status))
        if got != want:
            problems.append(what)

    def run(preds_dir, *extra):
        js = os.path.join(tmp, 'out.json')
        if os.path.exists(js):
            os.unlink(js)
        proc = subprocess.run([sys.executable, me, '--corpus', corpus,
                               '--predictions', preds_dir, '--json', js]
                              + list(extra), stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT)
        with open(js) as f:
            return proc.returncode, json.load(f), proc.stdout.decode()

    try:
        # 1. A perfect copy: 100% everywhere.
        print('perfect copy:')
        perfect = {}
        for pcap in oracle.pcaps:
            perfect[pcap] = [fake_row(o, i % 3 == 1, True)
                             for i, o in enumerate(oracle.flows[pcap])]
        d1 = os.path.join(tmp, 'perfect')
        os.mkdir(d1)
        write_fake(d1, oracle, perfect)
        floors = os.path.join(tmp, 'floors-all-100')
        with open(floors, 'w') as f:
            for name in (['flows', 'master', 'master_verdict', 'app']
                         + ['field.' + x for x in FIELDS]):
                f.write('%s 100\n' % name)
            f.write('quic_sni_interop 63\nmaster.tls 100\n')
        rc, js, out = run(d1, '--no-validate-names', '--check', floors,
                          '--report', os.path.join(tmp, 'perfect.md'))
        for name, value in js['figures'].items():
            want = 63 if name == 'quic_sni_interop' else 100.0
            if value != want:
                expect(name, value, want)
        expect('all figures 100% (quic 63)', 'checked', 'checked')
        expect('unmatched (oracle, ours)', (js['unmatched_oracle'],
               js['unmatched_ours']), (0, 0))
        expect('check exit status (floors 100)', rc, 0)
        expect('errors', len(js['errors']), 0)

        # 2. A perturbed copy with known damage.
        print('perturbed copy:')
        rows = {p: [dict(r) for r in perfect[p]] for p in oracle.pcaps}
        pairs = [(p, i, o) for p in oracle.pcaps
                 for i, o in enumerate(oracle.flows[p])]
        master_set = [(p, i, o) for p, i, o in pairs
                      if o['ndpi_app'] and
                      not o['ndpi_app'].startswith('Unknown') and
                      p not in LABEL_EXCLUDED_PCAPS]
        app_set = [x for x in master_set if '.' in x[2]['ndpi_app']]
        tls = [x for x in master_set if x[2]['ndpi_app'].split('.')[0]
               == 'TLS']
        unknown = [x for x in pairs if x[2]['ndpi_app'] == 'Unknown']
        dns = [x for x in master_set if x[2]['dns_qname'] and
               x[2]['ndpi_app'].split('.')[0] == 'DNS']
        hosts = [x for x in master_set if x[2]['http_host'] and
                 not x[2]['dns_qname']]
        quic = [x for x in pairs if x[0] == QUIC_INTEROP_PCAP and
                x[2]['quic_sni']]
        unlabel = tls[:10]
        for p, i, _ in unlabel:            # 10 TLS flows -> unknown.
            rows[p][i].update(app_proto=UNKNOWN, app_id=UNKNOWN)
        for p, i, _ in unknown[:5]:        # 5 nDPI-Unknown flows -> http.
            rows[p][i].update(app_proto='http', app_id='http')
        for p, i, _ in hosts[:4]:          # 4 different HTTP hosts.
            rows[p][i]['http_host'] = 'wrong.example'
        for p, i, _ in quic[:5]:           # 5 QUIC SNIs lost.
            rows[p][i]['quic_sni'] = ''
        guessed = [x for x in master_set if x not in unlabel][:6]
        for p, i, _ in guessed:            # 6 agreeing labels -> guesses.
            rows[p][i]['state'] = UNKNOWN
        dropped = [x for x in dns if x not in guessed][:7]
        for p, i, _ in sorted(dropped, key=lambda x: -x[1]):
            del rows[p][i]
        extra = dict(fake_row(oracle.flows['http.pcapng'][0], False, False),
                     **{f: '' for f in FIELDS})
        for n in range(3):                 # 3 flows the oracle lacks.
            e = dict(extra, client_ip='198.51.100.%d' % (n + 1),
                     http_host='extra.example')
            rows['http.pcapng'].append(e)
        d2 = os.path.join(tmp, 'perturbed')
        os.mkdir(d2)
        write_fake(d2, oracle, rows)
        rc, js, out = run(d2, '--no-validate-names', '--check', floors,
                          '--report', os.path.join(tmp, 'perturbed.md'))
        c = js['counts']
        n_flows = len(pairs)
        expect('flows', tuple(c['flows']), (n_flows - 7, n_flows))
        expect('unmatched ours', js['unmatched_ours'], 3)
        expect('master', tuple(c['master']),
               (len(master_set) - 10 - 7, len(master_set)))
        lost_verdict = len(set((p, i) for p, i, _ in guessed)
                           - set((p, i) for p, i, _ in dropped))
        expect('master_verdict', tuple(c['master_verdict']),
               (len(master_set) - 10 - 7 - lost_verdict, len(master_set)))
        n_tls = len(tls)
        expect('master.tls', tuple(c['master.tls']), (n_tls - 10, n_tls))
        lost_app = sum(1 for x in unlabel + dropped if '.' in x[2]['ndpi_app'])
        expect('app', tuple(c['app']),
               (len(app_set) - lost_app, len(app_set)))
        expect('nDPI Unknown, we label', js['unknown_labelled'], 5)
        expect('nDPI labels, we say unknown', js['labelled_unknown'], 10)
        n_host = sum(1 for x in pairs if x[2]['http_host'])
        f = js['fields']['http_host']
        expect('field.http_host (agree, total)', (f['agree'], f['total']),
               (n_host - 4, n_host + 3))
        expect('field.http_host (differ, only ours)',
               (f['differ'], f['only_ours']), (4, 3))
        n_dns = sum(1 for x in pairs if x[2]['dns_qname'])
        f = js['fields']['dns_qname']
        expect('field.dns_qname (agree, total, only_tshark)',
               (f['agree'], f['total'], f['only_tshark']),
               (n_dns - 7, n_dns, 7))
        expect('quic_sni_interop', js['figures']['quic_sni_interop'],
               len(quic) - 5)
        expect('check exit status (floors 100)', rc, 1)
        below = [l for l in out.splitlines() if l.startswith('BELOW FLOOR')]
        expect('figures below floor', sorted(l.split()[2] for l in below),
               sorted(['flows', 'master', 'master_verdict', 'app',
                       'master.tls',
                       'field.http_host', 'field.dns_qname',
                       'field.quic_sni', 'quic_sni_interop']))
        zero = os.path.join(tmp, 'floors-zero')
        with open(zero, 'w') as fz:
            fz.write('# comment\nmaster 0\nfield.http_host 0.0\n')
        rc, js, out = run(d2, '--no-validate-names', '--check', zero)
        expect('check exit status (floors 0)', rc, 0)
        with open(zero, 'a') as fz:
            fz.write('no_such_figure 1\n')
        rc, js, out = run(d2, '--no-validate-names', '--check', zero)
        expect('unknown floor name exit status', rc, EXIT_HARD_ERROR)

        # 3. The report keeps its hand-written section.
        md = os.path.join(tmp, 'perturbed.md')
        with open(md) as fm:
            text = fm.read()
        text = text.replace('_None recorded yet._', 'KEEP-ME-42')
        with open(md, 'w') as fm:
            fm.write(text)
        run(d2, '--no-validate-names', '--report', md)
        with open(md) as fm:
            text = fm.read()
        expect('hand-written section kept', text.count('KEEP-ME-42'), 1)
        expect('report lists the wrong host',
               'wrong.example' in text, True)

        # 4. Malformed output and unknown names are errors.
        print('malformed output:')
        srcdir = os.path.join(os.path.dirname(me), '..')
        registry = load_registry(srcdir)
        if registry is None:
            print('  (no lib/dpi-apps.def: name check not tested)')
        errs = []
        cols = REQUIRED_COLUMNS
        good = dict(fake_row(oracle.flows['http.pcapng'][0], False, False),
                    category='web', app_proto='http', app_id='nosuchapp')
        text = '\n'.join(['# file: x/http.pcapng', '#' + '\t'.join(cols),
                          '\t'.join(good[c] for c in cols),
                          'tcp\t1.2.3.4\t80'])
        parse_output(text, 'test', None, registry, errs)
        want = 2 if registry else 1
        expect('errors for a bad name and a short row', len(errs), want)
        errs = []
        parse_output('#proto\tclient_ip\n', 'test', 'a.pcap', None, errs)
        expect('error for a header missing columns', len(errs), 1)
        d3 = os.path.join(tmp, 'empty')
        os.mkdir(d3)
        with open(zero, 'w') as fz:
            fz.write('master 0\n')
        rc, js, out = run(d3, '--no-validate-names', '--check', zero)
        expect('no outputs: check fails', rc, 1)
        expect('no outputs: one error per pcap', len(js['errors']),
               len(oracle.pcaps))
    finally:
        shutil.rmtree(tmp)
    if problems:
        print('self-test FAILED: ' + ', '.join(problems))
        return 1
    print('self-test passed')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
