# Feeds for mirrors: GET /_changes (CouchDB's changes feed: one row per
# write in sequence order, deletions marked, include_docs) and GET
# /-/all/since.  A follower that reads the feed from 0 ends with the same
# packuments the registry serves; GET / update_seq agrees with last_seq;
# restricted packages never appear to those who may not read them.
use strict;
use warnings;
use Apache::Test qw(-withtestmore have_lwp);
use Test::More;
use Time::HiRes qw(time);
use TsciTest qw(base_url req json_of adduser publish publish_body unique);

Apache::Test::plan(tests => 27, have_lwp);

my $base = base_url('/npm/');
my $owner = unique('feed');
my $otok = adduser($base, $owner, 'feed-pass-1');
my $start_ms = int(time() * 1000) - 1;
my $seq0 = json_of(req(GET => $base))->{update_seq};

my $pub = unique('feed-pub');
is publish($base, $otok, name => $pub, version => $_)->code, 201,
   "published $pub $_" for '1.0.0', '1.1.0', '1.2.0';
my $gone = unique('feed-gone');
is publish($base, $otok, name => $gone, version => '1.0.0')->code, 201,
   "published $gone";
my $secret = "\@$owner/feed-secret";
(my $sesc = $secret) =~ s{/}{%2f};
my $body = publish_body(name => $secret, version => '1.0.0');
$body->{access} = 'restricted';
is req(PUT => "$base$sesc", token => $otok, body => $body)->code, 201,
   "published $secret, restricted";
my $grev = json_of(req(GET => "$base$gone"))->{_rev};
is req(DELETE => "$base$gone/-rev/$grev", token => $otok)->code, 200,
   "unpublished $gone";

# Follow the feed from 0, a page at a time, as a mirror would.
sub follow {
    my ($token, $limit) = @_;
    my (%mirror, @rows);
    my $since = 0;
    for (my $pages = 0; $pages < 1000; $pages++) {
        my $res = req(GET => "${base}_changes?since=$since&limit=$limit"
                             . "&include_docs=true", token => $token);
        die 'feed: ' . $res->status_line unless $res->code == 200;
        my $d = json_of($res);
        for my $row (@{ $d->{results} }) {
            push @rows, $row;
            if ($row->{deleted}) { delete $mirror{$row->{id}} }
            else { $mirror{$row->{id}} = $row->{doc} }
        }
        last if $d->{last_seq} == $since;
        $since = $d->{last_seq};
    }
    return (\%mirror, \@rows, $since);
}
my ($mirror, $rows, $last) = follow(undef, 7);
my $meta = json_of(req(GET => $base));
is $last, $meta->{update_seq}, 'last_seq reaches GET / update_seq';
my @mine = grep { $_->{id} eq $pub } @$rows;
is scalar(@mine), 3, 'one row per write: three publishes, three rows';
my @seqs = map { $_->{seq} } @$rows;
is_deeply \@seqs, [sort { $a <=> $b } @seqs], 'rows come in sequence order';
ok $mine[0]{changes}[0]{rev} ne $mine[2]{changes}[0]{rev},
   'each row carries the revision it wrote';
is $mine[2]{changes}[0]{rev}, json_of(req(GET => "$base$pub"))->{_rev},
   'the last one is the current revision';
my ($del) = grep { $_->{id} eq $gone && $_->{deleted} } @$rows;
ok $del, 'the unpublished package has a row marked deleted';
ok !exists $mirror->{$gone}, 'and the mirror dropped it';
is_deeply $mirror->{$pub}, json_of(req(GET => "$base$pub")),
   'the mirror\'s document is the packument the registry serves';
my @bad = grep { my $r = req(GET => "$base" . ($_ =~ s{/}{%2f}r));
                 $r->code != 200 || !eq_deeply_json($mirror->{$_}, $r) }
          keys %$mirror;
is_deeply \@bad, [], 'every package the mirror holds is the registry\'s';
ok !grep({ $_->{id} eq $secret } @$rows),
   'an anonymous follower never sees the restricted package';
my ($omirror) = follow($otok, 50);
is_deeply $omirror->{$secret}, json_of(req(GET => "$base$sesc",
                                           token => $otok)),
   'its maintainer\'s follower has it';

sub eq_deeply_json {
    my ($doc, $res) = @_;
    my $want = JSON::PP->new->canonical->encode(json_of($res));
    return JSON::PP->new->canonical->encode($doc) eq $want;
}

# Asking.
my $now = json_of(req(GET => "${base}_changes?since=now"));
is_deeply [$now->{results}, $now->{last_seq}], [[], $meta->{update_seq}],
   'since=now: nothing, and the current sequence';
my $page = json_of(req(GET => "${base}_changes?since=$seq0&limit=2"));
is scalar(@{ $page->{results} }), 2, 'limit is kept';
ok !exists $page->{results}[0]{doc}, 'no documents unless include_docs';
is req(GET => "${base}_changes?since=$_")->code, 400, "since=$_: 400"
    for '-1', 'abc';
is req(GET => "${base}_changes?limit=$_")->code, 400, "limit=$_: 400"
    for '0', '5000';
is req(GET => "${base}_changes?include_docs=maybe")->code, 400,
   'include_docs=maybe: 400';

my $all = json_of(req(GET => "${base}-/all/since?stale=update_after"
                             . "&startkey=$start_ms"));
is_deeply $all->{$pub}{versions}, { '1.2.0' => 'latest' },
   '/-/all/since lists the package with its latest version';
ok !exists $all->{$gone} && !exists $all->{$secret},
   'but neither the unpublished nor the restricted one';
