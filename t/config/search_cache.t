# TsciRegistrySearchCache's bounds, on Apaches of their own: 0 keeps no
# answer (the same query on one connection is searched again: a new
# "time"), and an answer larger than a quarter of the cache is not kept
# while a small one is.  (t/npm/search_answers.t: what is kept, and when
# it goes stale, with the default size.)
use strict;
use warnings;
use Apache::Test qw(-withtestmore have_lwp);
use Test::More;
use LWP::UserAgent ();
use JSON::PP ();
use Time::HiRes qw(sleep);
use TsciTest qw(main_store_independent adduser unique own_apache publish
                slurp);

Apache::Test::plan(tests => 10, Apache::Test::need(have_lwp,
    main_store_independent('Apaches with their own TsciRegistrySearchCache')));

my $json = JSON::PP->new;
my $ua = LWP::UserAgent->new(keep_alive => 1, timeout => 30);

# The "time" of the answer to text on $ap, asked on one connection.
sub asked_at {
    my ($ap, $text) = @_;
    my $res = $ua->get("$ap->{base}-/v1/search?text=$text");
    my $d = eval { $json->decode($res->content) } || {};
    return ($d->{time} // 'none', $d->{total} // -1, length $res->content);
}

# Two answers to text, 50 ms apart on one connection: whether the second
# was the first kept, and the answer's size.
sub kept {
    my ($ap, $text) = @_;
    my ($t1, $total, $len) = asked_at($ap, $text);
    sleep 0.05;
    my ($t2) = asked_at($ap, $text);
    return ($t1 eq $t2 ? 1 : 0, $total, $len);
}

my $w = 'zc' . $$ . time;

# No cache at all.
my $port = TsciTest::spare_port(3);
my $off = own_apache(name => 'search-cache-off', port => $port,
                     conf => "TsciRegistrySearchCache 0\n");
ok $off->{up}, 'an Apache with TsciRegistrySearchCache 0';
my $tok = adduser($off->{base}, unique('scache'), 'search-cache-pass-1');
is publish($off->{base}, $tok, name => "$w-a", version => '1.0.0',
           extra => { keywords => [$w] })->code, 201, 'a package';
my ($kept, $total) = kept($off, $w);
is $total, 1, 'found';
is $kept, 0, 'asked again: searched again (a new time), nothing kept';
$off->{stop}->();

# A cache of 4 KB: answers over 1 KB are not kept; an empty one is.
my $small = own_apache(name => 'search-cache-small', port => $port,
                       conf => "TsciRegistrySearchCache 4096\n");
ok $small->{up}, 'an Apache with TsciRegistrySearchCache 4096';
$tok = adduser($small->{base}, unique('scache'), 'search-cache-pass-1');
for my $n (1 .. 3) {
    publish($small->{base}, $tok, name => "$w-$n", version => '1.0.0',
            extra => { keywords => [$w] });
}
my $len;
($kept, $total, $len) = kept($small, $w);
is $total, 3, 'three hits';
ok $len > 1024, "an answer of $len bytes, over a quarter of the cache";
is $kept, 0, 'is not kept';
($kept, $total, $len) = kept($small, "$w-none");
is $kept, 1, "an answer of $len bytes, no hit, is kept";
my $log = slurp($small->{errlog});
unlike $log, qr/exit signal|AH00052/, 'no child died';
$small->{stop}->();
